using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Deploy;

/// <summary>
/// The Dockerfile against the tree it builds. No Docker engine runs on the development machines (CI builds the image),
/// so what would only fail in a build is checked here: the projects it copies, the editor bundle, user, ports, entry.
/// </summary>
public sealed class DockerfileTests
{
    private readonly DockerfileFacts _docker = DockerfileFacts.Load(DeployPaths.Dockerfile);

    [Fact]
    public void The_image_runs_the_web_assembly_as_a_numeric_non_root_user_on_the_ports_it_exposes()
    {
        Assert.Equal(["dotnet", "EtlStudio.Web.dll"], _docker.Entrypoint);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.WebProject, "EtlStudio.Web.csproj")));
        Assert.NotNull(_docker.Uid);
        Assert.NotEqual(0, _docker.Uid);
        Assert.Equal(
            new[] { int.Parse(_docker.Environment["HTTP_PORT"]), int.Parse(_docker.Environment["GRPC_PORT"]) }.Order(),
            _docker.ExposedPorts.Order());
    }

    [Fact]
    public void The_health_check_asks_the_liveness_path_the_app_maps()
    {
        var check = Assert.Single(_docker.All("HEALTHCHECK", _docker.FinalStage));

        Assert.Contains("${HTTP_PORT}" + ManifestRules.LivePath, check);
        Assert.Contains(ManifestRules.LivePath, ManifestRules.HealthPathsMappedByTheApp());
    }

    [Fact]
    public void Every_project_the_web_app_needs_is_copied_for_restore_and_for_publish()
    {
        var copies = _docker.All("COPY", "build").ToList();
        var restoreAt = _docker.Instructions.ToList().FindIndex(i => i.Instruction == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var beforeRestore = _docker.Instructions.Take(restoreAt).Where(i => i.Instruction == "COPY").Select(i => i.Arguments).ToList();

        foreach (var project in ProjectsOfTheWebApp())
        {
            var folder = Path.GetDirectoryName(project)!;
            Assert.Contains(beforeRestore, c => c.StartsWith($"{project} ", StringComparison.Ordinal));
            Assert.Contains(copies, c => c == $"{folder}/ {folder}/");
        }
        Assert.Contains(copies, c => c.StartsWith("protos/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_editor_bundle_comes_from_the_npm_build_script_and_lands_in_wwwroot()
    {
        var client = Path.Combine(RepositoryPaths.WebProject, "ClientApp");
        var build = JsonDocument.Parse(File.ReadAllText(Path.Combine(client, "package.json"))).RootElement.GetProperty("scripts").GetProperty("build").GetString()!;
        var outfile = Regex.Match(build, @"--outfile=(\S+)").Groups[1].Value;
        var workdir = _docker.All("WORKDIR", "assets").Last();

        Assert.Contains("npm run build", _docker.All("RUN", "assets"));
        var bundle = Path.GetFullPath(Path.Combine(workdir, outfile)); // where the assets stage writes it
        var copy = Assert.Single(_docker.All("COPY", "build"), c => c.StartsWith("--from=assets ", StringComparison.Ordinal)).Split(' ');
        Assert.Equal(bundle, copy[1]);
        Assert.Equal("EtlStudio.Web/wwwroot/js/editor.js", copy[2]);
        // The stage keeps the repository's layout, so the script's relative output is the same path as here.
        Assert.Equal(Path.GetFullPath(Path.Combine(client, outfile)), Path.Combine(RepositoryPaths.Root, copy[2]));
    }

    [Fact]
    public void Every_copied_path_exists_and_host_build_outputs_stay_out_of_the_context()
    {
        foreach (var copy in _docker.All("COPY").Where(c => !c.StartsWith("--from", StringComparison.Ordinal)))
            foreach (var source in copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
                Assert.True(Path.Exists(Path.Combine(RepositoryPaths.Root, source)), $"COPY {source}: not in the repository");

        // A host's obj/project.assets.json copied over the restore layer's would point publish at the host's paths.
        var ignored = File.ReadAllLines(DeployPaths.DockerIgnore).Select(l => l.Trim()).ToHashSet();
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("**/node_modules/", ignored);
    }

    /// <summary>The web project and every project it references, transitively, as repository-relative paths.</summary>
    private static IEnumerable<string> ProjectsOfTheWebApp()
    {
        var found = new HashSet<string>();
        var pending = new Stack<string>([Path.Combine(RepositoryPaths.WebProject, "EtlStudio.Web.csproj")]);
        while (pending.TryPop(out var project))
        {
            if (!found.Add(Path.GetRelativePath(RepositoryPaths.Root, project))) continue;
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }
        return found.Order();
    }
}
