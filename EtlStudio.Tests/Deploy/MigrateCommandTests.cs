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
    private static async Task<(int ExitCode, string Output)> MigrateAsync(string connectionString)
    {
        var psi = new ProcessStartInfo("dotnet", [RepositoryPaths.WebDll, "migrate"])
        {
            WorkingDirectory = RepositoryPaths.WebProject, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ConnectionStrings__Default"] = connectionString;
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
            throw new TimeoutException("migrate did not exit within 60 s: it must not go on serving");
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
