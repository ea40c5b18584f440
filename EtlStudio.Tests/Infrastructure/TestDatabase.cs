using Npgsql;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// A fresh, empty PostgreSQL database owned by one test class, dropped afterwards.
/// The server comes from ETLSTUDIO_TEST_PG (./test.sh sets it); tests never share data. The role of that connection
/// string creates the database and is the application's owner role (migrations); the runtime role the app logs in
/// as comes from ETLSTUDIO_TEST_PG_RUNTIME (default etlstudio_app, which scripts/setup-env.sh creates).
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ETLSTUDIO_TEST_PG")
        ?? "Host=localhost;Username=etlstudio;Password=etlstudio;Database=postgres";

    public static string RuntimeServerConnectionString =>
        Environment.GetEnvironmentVariable("ETLSTUDIO_TEST_PG_RUNTIME")
        ?? new NpgsqlConnectionStringBuilder(ServerConnectionString) { Username = "etlstudio_app", Password = "etlstudio_app" }.ConnectionString;

    /// <summary>The keys outside the database the app needs (the audit chain's, the key ring's), one pair per test run.</summary>
    public static string AuditChainKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    public static string ProtectionKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public string Name { get; } = "etltest_" + Guid.NewGuid().ToString("N")[..16];

    public string ConnectionString => new NpgsqlConnectionStringBuilder(ServerConnectionString)
    {
        Database = Name,
        // Dropping the database at the end must not wait for pooled connections.
        Pooling = true,
    }.ConnectionString;

    /// <summary>This database as the runtime role: what the app's nodes log in as.</summary>
    public string RuntimeConnectionString => new NpgsqlConnectionStringBuilder(RuntimeServerConnectionString)
    {
        Database = Name,
        Pooling = true,
    }.ConnectionString;

    /// <summary>
    /// The settings an app node over this database needs: the runtime role's connection string, the owner's for the
    /// migrations at start, and the keys that live outside the database.
    /// </summary>
    public IDictionary<string, string?> AppSettings() => new Dictionary<string, string?>
    {
        ["ConnectionStrings:Default"] = RuntimeConnectionString,
        ["ConnectionStrings:Owner"] = ConnectionString,
        ["Audit:ChainKey"] = AuditChainKey,
        ["DataProtection:ProtectionKey"] = ProtectionKey,
    };

    /// <summary>Only the keys, for a process that brings its own connection string.</summary>
    public static IDictionary<string, string?> KeySettings() => new Dictionary<string, string?>
    {
        ["Audit:ChainKey"] = AuditChainKey,
        ["DataProtection:ProtectionKey"] = ProtectionKey,
    };

    public async Task InitializeAsync()
    {
        await using var conn = new NpgsqlConnection(ServerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await DropAsync(Name);
    }

    /// <summary>The demo's source and destination databases, which a demo seed made beside the app's own (DemoSeeder).</summary>
    public static async Task DropDemoDatabasesAsync(string demoPrefix)
    {
        foreach (var suffix in new[] { "crm", "billing", "warehouse" }) await DropAsync($"{demoPrefix}_{suffix}");
    }

    /// <summary>
    /// Drops a database of the tests (theirs, or the demo's sources an app made), ending its sessions. An autovacuum
    /// worker busy in it (the pipeline tests and the demo seed make many tables) cannot be terminated by a
    /// non-superuser; it finishes or is cancelled within moments, so this tries again shortly.
    /// </summary>
    public static async Task DropAsync(string database)
    {
        await using var conn = new NpgsqlConnection(ServerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", conn);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await cmd.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                await Task.Delay(500);
            }
        }
    }
}
