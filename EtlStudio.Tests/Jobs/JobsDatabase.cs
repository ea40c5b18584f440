using EtlStudio.Core.Persistence;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// A fresh database for one test, migrated as the owner with the Hangfire storage installed, as the migration Job does;
/// the nodes log in as the runtime role (<see cref="ConnectionString"/>), the test's own queries as the owner.
/// </summary>
public sealed class JobsDatabase : IJobsDatabase, IAsyncDisposable
{
    private readonly TestDatabase _database = new();

    public string ConnectionString => _database.RuntimeConnectionString;
    public NpgsqlDataSource DataSource { get; private set; } = default!;

    public static async Task<JobsDatabase> CreateAsync()
    {
        var db = new JobsDatabase();
        await db._database.InitializeAsync();
        db.DataSource = NpgsqlDataSource.Create(db._database.ConnectionString);
        var runtimeRole = new NpgsqlConnectionStringBuilder(db.ConnectionString).Username;
        await new DatabaseMigrator(db.DataSource, NullLogger<DatabaseMigrator>.Instance, runtimeRole, [new HangfireSchemaInstaller()]).MigrateAsync();
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
