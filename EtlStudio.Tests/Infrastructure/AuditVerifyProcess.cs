using System.Diagnostics;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>`dotnet EtlStudio.Web.dll verify-audit` as an operator runs it: the runtime role's connection string and the chain key.</summary>
public static class AuditVerifyProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string connectionString, string? chainKey = null)
    {
        var psi = new ProcessStartInfo("dotnet", [RepositoryPaths.WebDll, "verify-audit"])
        {
            WorkingDirectory = RepositoryPaths.WebProject, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ConnectionStrings__Default"] = connectionString;
        psi.Environment["Audit__ChainKey"] = chainKey ?? TestDatabase.AuditChainKey;
        psi.Environment["Auth__Mode"] = "Development";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
