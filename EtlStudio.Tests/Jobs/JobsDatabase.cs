using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

/// <summary>A fresh, migrated database for one test; the first node started on it installs the Hangfire storage, and all share it.</summary>
public sealed class JobsDatabase : IJobsDatabase, IAsyncDisposable
{
    private readonly TestDatabase _database = new();

    public string ConnectionString => _database.ConnectionString;
    public NpgsqlDataSource DataSource { get; private set; } = default!;

    public static async Task<JobsDatabase> CreateAsync()
    {
        var db = new JobsDatabase();
        await db._database.InitializeAsync();
        db.DataSource = NpgsqlDataSource.Create(db.ConnectionString);
        await new DatabaseMigrator(db.DataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return db;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task ExecAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<List<(string, string, string)>> ListAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        var rows = new List<(string, string, string)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add((r.GetString(0), r.IsDBNull(1) ? "" : r.GetString(1), r.IsDBNull(2) ? "" : r.GetString(2)));
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
    }
}
