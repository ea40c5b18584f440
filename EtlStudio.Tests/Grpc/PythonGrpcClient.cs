using System.Diagnostics;
using System.Text.Json;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Grpc;

/// <summary>Runs a script of tests/grpc with Debian's python3 (which sees python3-grpcio) and returns its JSON.</summary>
public static class PythonGrpcClient
{
    public static async Task<JsonElement> RunAsync(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepositoryPaths.Root, "tests", "grpc", script), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}):\n{await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
