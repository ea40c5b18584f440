using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>What a step works with: the run's schema on the app database, inside the step's own transaction.</summary>
internal sealed class StepContext(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, ResolvedTask task, long seed,
    int? sampleRows, IRunCheckpoint checkpoint, SideConnections? side = null, RowCounts? counts = null)
{
    /// <summary>The tables' row counts as the steps wrote them.</summary>
    public RowCounts Counts { get; } = counts ?? new RowCounts();

    /// <summary>Connections for the step's pieces that can run beside each other, reading what earlier steps committed.</summary>
    public SideConnections? Side { get; } = side;

    public NpgsqlConnection Connection { get; } = conn;
    public NpgsqlTransaction Transaction { get; } = tx;
    public string Schema { get; } = schema;
    public ResolvedTask Task { get; } = task;
    public long Seed { get; } = seed;
    public int? SampleRows { get; } = sampleRows;
    public IRunCheckpoint Checkpoint { get; } = checkpoint;

    public string T(string table) => Sql.Table(Schema, table);

    public Task<long> ExecAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        ExecAsync(Connection, sql, ct, parameters);

    /// <summary>Runs a statement on <paramref name="conn"/>: the step's connection or a side one.</summary>
    public static async Task<long> ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<long> ExecScalarAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A name for a table a side connection writes and the step then renames; swept with the working tables if the step fails.</summary>
    public static string Scratch() => "__s" + Guid.NewGuid().ToString("N");

    /// <summary>The table's rows: as a step recorded them (<see cref="Counts"/>), or counted (and recorded) on <paramref name="conn"/>, the step's connection by default.</summary>
    public async Task<long> CountAsync(string table, CancellationToken ct, NpgsqlConnection? conn = null)
    {
        if (Counts.TryGet(table, out var known)) return known;
        var rows = await ExecScalarAsync(conn ?? Connection, $"SELECT count(*) FROM {T(table)}", ct);
        Counts.Set(table, rows);
        return rows;
    }

    public async Task<bool> ExistsAsync(string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", Connection, Transaction);
        cmd.Parameters.AddWithValue("t", T(table));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Working-table names between steps: <c>__x1</c> extracted, <c>__c1</c> cleaned, <c>__m1</c> merged, <c>__f1</c> checked keys.</summary>
    public static string Work(string stage, int table) => $"__{stage}{table}";
}
