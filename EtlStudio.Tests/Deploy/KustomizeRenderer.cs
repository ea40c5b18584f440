using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace EtlStudio.Tests.Deploy;

/// <summary>
/// Builds a kustomization the way `kubectl kustomize` does, for the features deploy/k8s uses (resources, namespace,
/// images, replicas, JSON 6902 patches), into the Kubernetes client's typed models. There is no kustomize binary on
/// the development machines (CI renders with the real one too); every reference that does not resolve — a missing
/// file, a patch target or path that is not there, an image or replica override that matches nothing — throws,
/// naming it.
/// </summary>
public static class KustomizeRenderer
{
    public static List<IKubernetesObject<V1ObjectMeta>> Render(string directory)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        if (!File.Exists(file)) throw new InvalidOperationException($"{directory}: no kustomization.yaml");
        var k = KustomizationFile.Load(file);
        if (k.ApiVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization")
            throw new InvalidOperationException($"{file}: not a kustomize.config.k8s.io/v1beta1 Kustomization");

        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var resource in k.Resources)
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            if (Directory.Exists(path)) objects.AddRange(Render(path));
            else if (File.Exists(path)) objects.AddRange(ManifestLoader.LoadFile(path));
            else throw new InvalidOperationException($"{file}: resource {resource} does not exist");
        }

        foreach (var patch in k.Patches)
        {
            var path = Path.Combine(directory, patch.Path);
            if (!File.Exists(path)) throw new InvalidOperationException($"{file}: patch {patch.Path} does not exist");
            var targets = objects.Where(o => o.Kind == patch.Target.Kind && o.Metadata.Name == patch.Target.Name).ToList();
            if (targets.Count != 1)
                throw new InvalidOperationException($"{file}: patch {patch.Path} targets {patch.Target.Kind}/{patch.Target.Name}, found {targets.Count}");
            objects[objects.IndexOf(targets[0])] = ApplyJsonPatch(targets[0], LoadOperations(path), path);
        }

        foreach (var image in k.Images)
        {
            var containers = PodSpecs(objects).SelectMany(AllContainers).Where(c => ImageName(c.Image) == image.Name).ToList();
            if (containers.Count == 0) throw new InvalidOperationException($"{file}: image override {image.Name} matches no container");
            foreach (var c in containers) c.Image = (image.NewName ?? image.Name) + (image.NewTag is null ? "" : ":" + image.NewTag);
        }

        foreach (var replica in k.Replicas)
        {
            var deployment = objects.OfType<V1Deployment>().SingleOrDefault(d => d.Metadata.Name == replica.Name)
                ?? throw new InvalidOperationException($"{file}: replicas for {replica.Name}, which is no Deployment here");
            deployment.Spec.Replicas = replica.Count;
        }

        if (k.Namespace is not null)
            foreach (var o in objects)
            {
                // kustomize renames a Namespace object to the kustomization's namespace; namespaced objects move into it.
                if (o is V1Namespace) o.Metadata.Name = k.Namespace;
                else o.Metadata.NamespaceProperty = k.Namespace;
            }
        return objects;
    }

    public static IEnumerable<V1PodSpec> PodSpecs(IEnumerable<object> objects) => objects.Select(o => o switch
    {
        V1Deployment d => d.Spec.Template.Spec,
        V1Job j => j.Spec.Template.Spec,
        _ => null,
    }).OfType<V1PodSpec>();

    public static IEnumerable<V1Container> AllContainers(V1PodSpec pod) => (pod.InitContainers ?? []).Concat(pod.Containers ?? []);

    /// <summary>The image without its tag or digest ("registry/etlstudio:1.0" → "registry/etlstudio").</summary>
    public static string ImageName(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[..colon] : image;
    }

    // YAML scalars arrive as strings: the patches of deploy/k8s set only string fields. A number or boolean set by a
    // patch would come out a string, and the strict typed load below would refuse it rather than pass it silently.
    private static JsonArray LoadOperations(string path)
    {
        var yaml = new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(path));
        return ToJson(yaml) as JsonArray ?? throw new InvalidOperationException($"{path}: a JSON 6902 patch is a list of operations");
    }

    private static JsonNode? ToJson(object? yaml) => yaml switch
    {
        null => null,
        IDictionary<object, object> map => new JsonObject(map.Select(kv => KeyValuePair.Create((string)kv.Key, ToJson(kv.Value)))),
        IList<object> list => new JsonArray(list.Select(ToJson).ToArray()),
        _ => JsonValue.Create(yaml.ToString()),
    };

    private static IKubernetesObject<V1ObjectMeta> ApplyJsonPatch(IKubernetesObject<V1ObjectMeta> target, JsonArray operations, string patchFile)
    {
        var document = JsonNode.Parse(KubernetesJson.Serialize(target))!;
        foreach (var operation in operations)
        {
            var op = (string?)operation?["op"];
            var pointer = (string?)operation?["path"] ?? throw new InvalidOperationException($"{patchFile}: an operation without a path");
            var segments = pointer.Split('/').Skip(1).Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToArray();
            var parent = segments[..^1].Aggregate<string, JsonNode?>(document, Child)
                ?? throw new InvalidOperationException($"{patchFile}: {pointer} has no parent in {target.Kind}/{target.Metadata.Name}");
            var last = segments[^1];
            var exists = Child(parent, last) is not null;
            switch (op)
            {
                case "replace" or "remove" when !exists:
                    throw new InvalidOperationException($"{patchFile}: {op} {pointer}, which {target.Kind}/{target.Metadata.Name} does not have");
                case "replace" or "add" when parent is JsonObject o:
                    o[last] = operation!["value"]?.DeepClone();
                    break;
                case "replace" when parent is JsonArray a:
                    a[int.Parse(last)] = operation!["value"]?.DeepClone();
                    break;
                case "remove" when parent is JsonObject o:
                    o.Remove(last);
                    break;
                default:
                    throw new InvalidOperationException($"{patchFile}: operation {op} on {pointer} is not supported here");
            }
        }
        return ManifestLoader.LoadString(document.ToJsonString(), patchFile).Single();
    }

    private static JsonNode? Child(JsonNode? node, string segment) => node switch
    {
        JsonObject o => o[segment],
        JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };
}
