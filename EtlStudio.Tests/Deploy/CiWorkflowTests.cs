using YamlDotNet.RepresentationModel;

namespace EtlStudio.Tests.Deploy;

/// <summary>.github/workflows/ci.yml, parsed: it runs what the README says CI runs, builds the image, keeps the results.</summary>
public sealed class CiWorkflowTests
{
    private readonly YamlMappingNode _workflow = Load();

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(DeployPaths.CiWorkflow);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private IEnumerable<(string Job, YamlMappingNode Definition)> Jobs =>
        ((YamlMappingNode)_workflow["jobs"]).Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlMappingNode)kv.Value));

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) => ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>();

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    /// <summary>The commands of a run step, without comments.</summary>
    private static IEnumerable<string> Commands(YamlMappingNode step) =>
        (Scalar(step, "run") ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    [Fact]
    public void It_runs_on_every_push_and_pull_request()
    {
        var on = (YamlMappingNode)_workflow["on"];

        Assert.Contains(new YamlScalarNode("push"), on.Children.Keys);
        Assert.Contains(new YamlScalarNode("pull_request"), on.Children.Keys);
    }

    [Fact]
    public void A_job_runs_test_sh_on_the_development_machines_platform_and_uploads_its_results_even_when_tests_fail()
    {
        var (name, job) = Assert.Single(Jobs, j => Steps(j.Definition).Any(s => Commands(s).Contains("./test.sh")));

        // PostgreSQL 15 comes from Debian 12's apt, which scripts/setup-env.sh uses, as on the development machines.
        Assert.Equal("debian:bookworm", Scalar(job, "container"));
        var upload = Assert.Single(Steps(job), s => Scalar(s, "uses")?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal("always()", Scalar(upload, "if"));
        var paths = Scalar((YamlMappingNode)upload["with"], "path")!.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("artifacts/tests.trx", paths);
        Assert.Contains("artifacts/screenshots", paths);
        var testStep = Steps(job).ToList().FindIndex(s => Commands(s).Contains("./test.sh"));
        Assert.True(Steps(job).ToList().IndexOf(upload) > testStep, $"{name}: the upload must come after ./test.sh");
    }

    [Fact]
    public void A_job_builds_the_image_from_the_dockerfile_and_runs_it_read_only_as_its_user()
    {
        var commands = Jobs.SelectMany(j => Steps(j.Definition)).SelectMany(Commands).ToList();

        Assert.Contains(commands, c => c.StartsWith("docker build", StringComparison.Ordinal) && c.Contains("--file Dockerfile") && c.EndsWith(" .", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Contains("--read-only") && c.Contains($"--user {DockerfileFacts.DotnetImageAppUid}"));
        Assert.Contains(commands, c => c.Contains("migrate"));
    }

    [Fact]
    public void A_job_renders_every_kustomization_with_the_real_kustomize()
    {
        var commands = Jobs.SelectMany(j => Steps(j.Definition)).SelectMany(Commands).ToList();

        foreach (var directory in DeployPaths.Kustomizations())
        {
            var relative = Path.GetRelativePath(Infrastructure.RepositoryPaths.Root, directory);
            Assert.Contains(commands, c => c.StartsWith($"kubectl kustomize {relative}", StringComparison.Ordinal));
        }
    }
}
