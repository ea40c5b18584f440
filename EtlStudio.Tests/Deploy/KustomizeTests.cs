using k8s.Models;

namespace EtlStudio.Tests.Deploy;

/// <summary>The kustomize references of deploy/k8s resolve, nothing is left out, and a broken reference is caught.</summary>
public sealed class KustomizeTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("etlstudio-k8s-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void Every_yaml_file_beside_a_kustomization_is_one_of_its_resources_or_patches()
    {
        foreach (var directory in DeployPaths.Kustomizations())
        {
            var k = KustomizationFile.Load(Path.Combine(directory, "kustomization.yaml"));
            var used = k.Resources.Concat(k.Patches.Select(p => p.Path)).Select(p => Path.GetFullPath(Path.Combine(directory, p))).ToHashSet();
            foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml"))
                Assert.True(used.Contains(file), $"{file} is in no kustomization: it would never be applied");
        }
    }

    [Fact]
    public void The_demo_overlay_puts_everything_in_its_namespace_with_its_image_hosts_and_database()
    {
        var objects = KustomizeRenderer.Render(DeployPaths.DemoOverlay);
        var overlay = KustomizationFile.Load(Path.Combine(DeployPaths.DemoOverlay, "kustomization.yaml"));

        var ns = Assert.Single(objects.OfType<V1Namespace>());
        Assert.Equal(overlay.Namespace, ns.Metadata.Name);
        // The cluster itself then refuses any pod of ours that breaks the restricted Pod Security Standard.
        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
        Assert.All(objects.Where(o => o is not V1Namespace), o => Assert.Equal(overlay.Namespace, o.Metadata.NamespaceProperty));
        var image = Assert.Single(overlay.Images);
        Assert.All(KustomizeRenderer.PodSpecs(objects).SelectMany(p => p.Containers), c => Assert.Equal($"{image.NewName}:{image.NewTag}", c.Image));
        Assert.All(objects.OfType<V1Deployment>(), d => Assert.Equal(overlay.Replicas.Single(r => r.Name == d.Metadata.Name).Count, d.Spec.Replicas));
        Assert.All(objects.OfType<V1Ingress>(), i => Assert.EndsWith("etlstudio-demo.example.com", i.Spec.Rules.Single().Host));
        Assert.Equal("true", objects.OfType<V1ConfigMap>().Single().Data["Demo__Seed"]);
        Assert.Equal("etlstudio-pg-rw.databases.svc.cluster.local", objects.OfType<V1Service>().Single(s => s.Spec.Type == "ExternalName").Spec.ExternalName);
    }

    [Fact]
    public void The_secret_example_is_applied_by_no_kustomization_and_holds_only_placeholders()
    {
        var secrets = ManifestLoader.LoadFile(DeployPaths.SecretExample).Cast<V1Secret>().ToList();

        Assert.NotEmpty(secrets);
        foreach (var secret in secrets)
        {
            Assert.True(secret.Data is null or { Count: 0 }, $"{secret.Metadata.Name}: data (base64) is a real value");
            Assert.All(secret.StringData, kv => Assert.Matches("<[^>]+>", kv.Value));
        }
        foreach (var directory in DeployPaths.Kustomizations())
        {
            var k = KustomizationFile.Load(Path.Combine(directory, "kustomization.yaml"));
            Assert.DoesNotContain(DeployPaths.SecretExample, k.Resources.Concat(k.Patches.Select(p => p.Path)).Select(p => Path.GetFullPath(Path.Combine(directory, p))));
        }
    }

    public static TheoryData<string, string, string, string> BrokenReferences() => new()
    {
        { "overlays/demo/kustomization.yaml", "- ../../base", "- ../../bases", "resource ../../bases does not exist" },
        { "overlays/demo/kustomization.yaml", "name: etlstudio-postgres", "name: postgres", "targets Service/postgres, found 0" },
        { "overlays/demo/kustomization.yaml", "path: grpc-host-patch.yaml", "path: grpc-hosts-patch.yaml", "patch grpc-hosts-patch.yaml does not exist" },
        { "overlays/demo/grpc-host-patch.yaml", "/spec/rules/0/host", "/spec/rules/1/host", "has no parent" },
        { "overlays/demo/settings-patch.yaml", "/data/Demo__Seed", "/data/Demo__Sed", "does not have" },
        { "overlays/demo/kustomization.yaml", "- name: etlstudio\n", "- name: etl-studio\n", "image override etl-studio matches no container" },
        { "overlays/demo/kustomization.yaml", "name: etlstudio-worker\n    count", "name: etlstudio-workers\n    count", "which is no Deployment" },
        { "base/kustomization.yaml", "- web-pdb.yaml", "- web-pbd.yaml", "resource web-pbd.yaml does not exist" },
    };

    [Theory]
    [MemberData(nameof(BrokenReferences))]
    public void A_reference_that_does_not_resolve_fails_the_render(string file, string find, string replaceWith, string expected)
    {
        CopyDirectory(DeployPaths.K8s, _scratch);
        var path = Path.Combine(_scratch, file);
        var text = File.ReadAllText(path);
        Assert.Contains(find, text);
        File.WriteAllText(path, text.Replace(find, replaceWith));

        var e = Assert.Throws<InvalidOperationException>(() => KustomizeRenderer.Render(Path.Combine(_scratch, "overlays", "demo")));
        Assert.Contains(expected, e.Message);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
