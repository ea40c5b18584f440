using k8s.Models;

namespace EtlStudio.Tests.Deploy;

/// <summary>deploy/k8s, rendered like kustomize, against <see cref="ManifestRules"/>: the base and every overlay.</summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Kustomizations() => new(DeployPaths.Kustomizations().Select(d => Path.GetRelativePath(DeployPaths.K8s, d)));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_kustomization_renders_manifests_that_keep_every_rule(string kustomization)
    {
        var objects = KustomizeRenderer.Render(Path.Combine(DeployPaths.K8s, kustomization));

        var problems = ManifestRules.FromRepository().Check(objects);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_manifest_file_loads_strictly_into_the_typed_models()
    {
        var files = Directory.EnumerateFiles(DeployPaths.K8s, "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml" && !f.EndsWith("-patch.yaml", StringComparison.Ordinal)).ToList();

        Assert.True(files.Count >= 15, $"only {files.Count} manifests found");
        foreach (var file in files) Assert.NotEmpty(ManifestLoader.LoadFile(file));
    }

    [Fact]
    public void A_misspelt_field_fails_the_load_instead_of_vanishing()
    {
        var yaml = File.ReadAllText(Path.Combine(DeployPaths.Base, "web-deployment.yaml")).Replace("readinessProbe:", "readinesProbe:");

        var e = Assert.Throws<InvalidOperationException>(() => ManifestLoader.LoadString(yaml, "web-deployment.yaml"));
        Assert.Contains("readinesProbe", e.Message);
    }

    [Fact]
    public void The_worker_deployment_runs_worker_only_nodes_and_the_web_deployment_does_not()
    {
        var objects = KustomizeRenderer.Render(DeployPaths.Base);
        string Mode(string name) => ManifestRules.EffectiveEnvironment(
            objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == name).Spec.Template.Spec.Containers.Single(), objects)["Workers__Mode"].Value;

        Assert.Equal("WorkerOnly", Mode("etlstudio-worker"));
        Assert.Equal("WebOnly", Mode("etlstudio-web"));
    }

    public static TheoryData<string> Regressions() => new(ManifestRegressions.All.Keys);

    [Theory]
    [MemberData(nameof(Regressions))]
    public void Each_rule_fails_on_a_manifest_broken_on_purpose(string regression)
    {
        var objects = KustomizeRenderer.Render(DeployPaths.Base);
        var (breakIt, expected) = ManifestRegressions.All[regression];
        breakIt(objects);

        var problems = ManifestRules.FromRepository().Check(objects);

        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)),
            $"expected a problem containing \"{expected}\", got:\n{string.Join("\n", problems)}");
    }
}
