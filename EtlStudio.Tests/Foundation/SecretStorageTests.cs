using System.Diagnostics;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

public sealed class SecretStorageTests(CoreServices core) : IClassFixture<CoreServices>
{
    [Fact]
    public async Task Connection_details_never_appear_in_clear_anywhere_in_the_database()
    {
        var creator = await core.CreateAsync("creator", UserRole.CreateExtDatamodule);
        const string password = "Sup3r-S3cret-Passw0rd-7781";
        const string token = "tok_live_4242424242424242";
        var service = core.Get<ConnectionService>();
        var pg = await service.CreateAsync(creator, new ConnectionInput("warehouse", ConnectionKind.PostgreSql, "d", "{}",
            $"Host=db.internal;Database=dw;Username=etl;Password={password}", null));
        await service.CreateAsync(creator, new ConnectionInput("api", ConnectionKind.HttpJson, "d", "{}",
            $"https://api.internal/v1\nAuthorization: Bearer {token}", null));
        await service.UpdateAsync(creator, pg, new ConnectionInput("warehouse", ConnectionKind.PostgreSql, "d2", "{}",
            $"Host=db.internal;Database=dw;Username=etl;Password={password}-rotated", null));

        var dump = await DumpDatabaseAsync();

        Assert.Contains("warehouse", dump); // the dump really holds our rows
        Assert.DoesNotContain(password, dump);
        Assert.DoesNotContain(token, dump);
        // Shown back only masked, and the secret still works for the pipeline.
        var view = await service.GetAsync(creator, pg);
        Assert.DoesNotContain(password, view.SecretHint);
        Assert.Contains("Host=db.internal", view.SecretHint);
        Assert.EndsWith($"{password}-rotated", (await service.GetSecretAsync(pg)).Value);
    }

    private async Task<string> DumpDatabaseAsync()
    {
        var cs = new NpgsqlConnectionStringBuilder(core.ConnectionString);
        var psi = new ProcessStartInfo("pg_dump", ["--data-only", "--no-owner", "-h", cs.Host!, "-p", cs.Port.ToString(), "-U", cs.Username!, cs.Database!])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["PGPASSWORD"] = cs.Password;
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_dump failed: {error}");
        return output;
    }
}
