using System.Diagnostics;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>The jsonld.js processor (tests/node), run with node: an independent reading of our JSON-LD documents.</summary>
public static class JsonLd
{
    public static async Task<string> ExpandAsync(string document)
    {
        var psi = new ProcessStartInfo("node", [Path.Combine(RepositoryPaths.Root, "tests", "node", "jsonld-expand.mjs")])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var node = Process.Start(psi)!;
        await node.StandardInput.WriteAsync(document);
        node.StandardInput.Close();
        var errors = node.StandardError.ReadToEndAsync();
        var expanded = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, await errors);
        return expanded;
    }
}
