using k8s;
using k8s.Models;

namespace EtlStudio.Tests.Deploy;

/// <summary>
/// Loads Kubernetes manifests into the client library's typed models, strictly: a field the API does not have (a
/// typo such as "readinesProbe") fails the load instead of vanishing.
/// </summary>
public static class ManifestLoader
{
    public static List<IKubernetesObject<V1ObjectMeta>> LoadFile(string path) => LoadString(File.ReadAllText(path), path);

    public static List<IKubernetesObject<V1ObjectMeta>> LoadString(string yaml, string source)
    {
        try
        {
            return KubernetesYaml.LoadAllFromString(yaml, strict: true).Select(o => o as IKubernetesObject<V1ObjectMeta>
                ?? throw new InvalidOperationException($"{source}: {o.GetType().Name} is not a Kubernetes object")).ToList();
        }
        catch (Exception e) when (e is not InvalidOperationException)
        {
            throw new InvalidOperationException($"{source}: not a valid Kubernetes manifest: {e.Message}", e);
        }
    }
}
