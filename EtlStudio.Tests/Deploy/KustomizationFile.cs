using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace EtlStudio.Tests.Deploy;

/// <summary>
/// The part of kustomize's Kustomization that deploy/k8s uses. Read strictly: a field this type does not know
/// (a generator, a Helm chart, a strategic-merge patch) fails the tests, so the checks never silently skip what
/// kustomize would do — extend <see cref="KustomizeRenderer"/> with it instead.
/// </summary>
public sealed class KustomizationFile
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? Namespace { get; set; }
    public List<string> Resources { get; set; } = [];
    public List<Image> Images { get; set; } = [];
    public List<Replica> Replicas { get; set; } = [];
    public List<Patch> Patches { get; set; } = [];

    public sealed class Image
    {
        public string Name { get; set; } = "";
        public string? NewName { get; set; }
        public string? NewTag { get; set; }
    }

    public sealed class Replica
    {
        public string Name { get; set; } = "";
        public int Count { get; set; }
    }

    /// <summary>A JSON 6902 patch file applied to the one object its target names.</summary>
    public sealed class Patch
    {
        public string Path { get; set; } = "";
        public PatchTarget Target { get; set; } = new();
    }

    public sealed class PatchTarget
    {
        public string Kind { get; set; } = "";
        public string Name { get; set; } = "";
    }

    public static KustomizationFile Load(string path) =>
        new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
            .Deserialize<KustomizationFile>(File.ReadAllText(path));
}
