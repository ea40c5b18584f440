using Npgsql;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// A fresh, empty PostgreSQL database owned by one test class, dropped afterwards.
/// The server comes from ETLSTUDIO_TEST_PG (./test.sh sets it); tests never share data.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ETLSTUDIO_TEST_PG")
        ?? "Host=localhost;Username=etlstudio;Password=etlstudio;Database=postgres";

    public string Name { get; } = "etltest_" + Guid.NewGuid().ToString("N")[..16];

    public string ConnectionString => new NpgsqlConnectionStringBuilder(ServerConnectionString)
    {
        Database = Name,
        // Dropping the database at the end must not wait for pooled connections.
        Pooling = true,
    }.ConnectionString;

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
        await using var conn = new NpgsqlConnection(ServerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", conn);
        // An autovacuum worker busy in the database (the pipeline tests make many tables) cannot be terminated by a
        // non-superuser; it finishes or is cancelled within moments, so try again shortly.
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
