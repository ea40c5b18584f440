using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

public sealed class AuditVerifyCommandTests(AppProcess app) : IClassFixture<AppProcess>
{
    private Task<(int ExitCode, string Output)> VerifyAsync() => AuditVerifyProcess.RunAsync(app.DatabaseConnectionString);

    [Fact]
    public async Task The_command_says_the_trail_is_intact_and_after_tampering_names_the_entry_and_fails()
    {
        var (ok, okOutput) = await VerifyAsync();
        Assert.True(ok == 0, okOutput);
        Assert.Contains("intact", okOutput);

        // Only the owner can switch the guard off (RuntimeRoleTests).
        await using (var conn = new NpgsqlConnection(app.OwnerConnectionString))
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

    [Fact]
    public async Task Without_the_chain_key_the_command_cannot_check_and_exits_2()
    {
        var (exit, output) = await AuditVerifyProcess.RunAsync(app.DatabaseConnectionString, chainKey: "");

        Assert.Equal(2, exit);
        Assert.Contains("Audit:ChainKey is not set", output);
    }
}
