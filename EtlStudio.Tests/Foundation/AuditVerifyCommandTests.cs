using System.Diagnostics;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

public sealed class AuditVerifyCommandTests(AppProcess app) : IClassFixture<AppProcess>
{
    private async Task<(int ExitCode, string Output)> VerifyAsync()
    {
        var psi = new ProcessStartInfo("dotnet", [RepositoryPaths.WebDll, "verify-audit"])
        {
            WorkingDirectory = RepositoryPaths.WebProject, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ConnectionStrings__Default"] = app.DatabaseConnectionString;
        psi.Environment["Auth__Mode"] = "Development";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    [Fact]
    public async Task The_command_says_the_trail_is_intact_and_after_tampering_names_the_entry_and_fails()
    {
        var (ok, okOutput) = await VerifyAsync();
        Assert.True(ok == 0, okOutput);
        Assert.Contains("intact", okOutput);

        await using (var conn = new NpgsqlConnection(app.DatabaseConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                ALTER TABLE app.audit_entries DISABLE TRIGGER audit_entries_append_only;
                UPDATE app.audit_entries SET action = 'nothing.to.see' WHERE id = (SELECT min(id) + 1 FROM app.audit_entries);
                ALTER TABLE app.audit_entries ENABLE TRIGGER audit_entries_append_only;
                """, conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var (broken, brokenOutput) = await VerifyAsync();
        Assert.Equal(1, broken);
        Assert.Contains("BROKEN at entry 2", brokenOutput);
    }
}
