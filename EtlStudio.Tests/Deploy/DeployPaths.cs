using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Deploy;

/// <summary>Where the delivery files live in the repository.</summary>
public static class DeployPaths
{
    public static string K8s => Path.Combine(RepositoryPaths.Root, "deploy", "k8s");
    public static string Base => Path.Combine(K8s, "base");
    public static string DemoOverlay => Path.Combine(K8s, "overlays", "demo");
    public static string SecretExample => Path.Combine(K8s, "secret.example.yaml");
    public static string Dockerfile => Path.Combine(RepositoryPaths.Root, "Dockerfile");
    public static string DockerIgnore => Path.Combine(RepositoryPaths.Root, ".dockerignore");
    public static string CiWorkflow => Path.Combine(RepositoryPaths.Root, ".github", "workflows", "ci.yml");

    /// <summary>Every kustomization under deploy/k8s: the base and each overlay.</summary>
    public static IEnumerable<string> Kustomizations() =>
        Directory.EnumerateFiles(K8s, "kustomization.yaml", SearchOption.AllDirectories).Select(Path.GetDirectoryName).Order()!;
}
