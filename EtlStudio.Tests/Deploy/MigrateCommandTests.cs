using System.Diagnostics;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Deploy;

/// <summary>`dotnet EtlStudio.Web.dll migrate`, what deploy/k8s/base/migrate-job.yaml runs before the nodes roll.</summary>
public sealed class MigrateCommandTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();
    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    // The Job's environment: the settings ConfigMap (Oidc sign-in) and the owner's connection string, but no OIDC
    // client secret — the command must not need what only serving nodes validate.
    private static Task<(int ExitCode, string Output)> MigrateAsync(string connectionString, string? runtimeRole = "etlstudio_app") =>
        RunAsync(["migrate"], new Dictionary<string, string?> { ["ConnectionStrings__Default"] = connectionString, ["Database__RuntimeRole"] = runtimeRole });

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] args, IDictionary<string, string?> environment)
    {
        var psi = new ProcessStartInfo("dotnet", [RepositoryPaths.WebDll, .. args])
        {
            WorkingDirectory = RepositoryPaths.WebProject, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.Environment["Auth__Mode"] = "Oidc";
        psi.Environment["Auth__Oidc__Authority"] = "https://login.example.com/realms/etlstudio";
        psi.Environment["Auth__Oidc__ClientId"] = "etlstudio";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', args)} did not exit within 60 s: it must not go on serving");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task Migrate_applies_every_migration_and_exits_then_finds_nothing_left()
    {
        var (first, firstOutput) = await MigrateAsync(_db.ConnectionString);
        Assert.True(first == 0, firstOutput);
        Assert.Contains($"{DatabaseMigrator.Embedded.Count} migrations applied", firstOutput);

        await using (var conn = new NpgsqlConnection(_db.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM public.etlstudio_migrations", conn);
            Assert.Equal((long)DatabaseMigrator.Embedded.Count, (long)(await cmd.ExecuteScalarAsync())!);
        }

        var (second, secondOutput) = await MigrateAsync(_db.ConnectionString);
        Assert.True(second == 0, secondOutput);
        Assert.Contains("no migration to apply", secondOutput);

        // The runtime role named by Database__RuntimeRole was granted what the nodes need.
        await using var runtime = new NpgsqlConnection(_db.RuntimeConnectionString);
        await runtime.OpenAsync();
        await using var rights = new NpgsqlCommand("""
            SELECT has_table_privilege('app.audit_entries', 'INSERT'), has_table_privilege('app.audit_entries', 'UPDATE'),
                   has_table_privilege('app.connections', 'UPDATE'), has_table_privilege('hangfire.job', 'INSERT')
            """, runtime);
        await using var reader = await rights.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal([true, false, true, true], [reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3)]);
    }

    [Fact]
    public async Task A_node_with_only_the_runtime_role_refuses_to_migrate_and_says_what_to_do()
    {
        // Serving, as a node does: keys given, but only the runtime role's connection string.
        var (serve, serveOutput) = await RunAsync([], new Dictionary<string, string?>(TestDatabase.KeySettings().ToDictionary(e => e.Key.Replace(":", "__"), e => e.Value))
        {
            ["ConnectionStrings__Default"] = _db.RuntimeConnectionString,
            ["HTTP_PORT"] = FreePort.Next().ToString(),
            ["GRPC_PORT"] = FreePort.Next().ToString(),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Auth__Mode"] = "Development",
        });
        Assert.Equal(1, serve);
        Assert.Contains("EtlStudio cannot start", serveOutput);
        Assert.Contains("does not own the schema and may not change it", serveOutput);
        Assert.Contains("ConnectionStrings__Owner", serveOutput);

        // The migrate command given the runtime role's credentials says the same.
        var (migrate, migrateOutput) = await MigrateAsync(_db.RuntimeConnectionString, runtimeRole: null);
        Assert.Equal(1, migrate);
        Assert.Contains("may not change it", migrateOutput);
    }

    [Fact]
    public async Task Migrate_with_refused_credentials_exits_1_and_says_why()
    {
        var wrong = new NpgsqlConnectionStringBuilder(_db.ConnectionString) { Password = "not-the-password" }.ConnectionString;

        var (exit, output) = await MigrateAsync(wrong);

        Assert.Equal(1, exit);
        Assert.Contains("Could not migrate the database", output);
    }
}
