using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// What a step works with: the run's schema on the app database, inside the step's own transaction, and the run's
/// plan (<see cref="RunPlan"/>). The engine makes it for each step (<see cref="RunScope.BeginAsync"/>) and ends its
/// transaction.
/// </summary>
internal sealed class StepContext : IAsyncDisposable
{
    private readonly RunScope _run;
    private readonly bool _ownsConnection;

    internal StepContext(RunScope run, NpgsqlConnection conn, NpgsqlTransaction tx, SideConnections? side, bool ownsConnection)
    {
        (_run, Connection, Transaction, Side, _ownsConnection) = (run, conn, tx, side, ownsConnection);
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    /// <summary>Connections for the step's pieces that can run beside each other, reading what earlier steps committed.</summary>
    public SideConnections? Side { get; }

    /// <summary>The tables' row counts as the steps wrote them.</summary>
    public RowCounts Counts => _run.Counts;

    public RunPlan Plan => _run.Plan;
    public Guid RunId => _run.Job.RunId;
    public string Schema => _run.Job.Schema;
    public ResolvedTask Task => _run.Job.Task;
    public long Seed => _run.Job.Seed;
    public int? SampleRows => _run.Job.SampleRows;
    public IRunCheckpoint Checkpoint => _run.Checkpoint;

    /// <summary>
    /// A transaction on a connection of its own, for work that must commit before the step does (the transformations'
    /// preparation, which the scripts' own connection must see). Commit it through its <see cref="Transaction"/>;
    /// disposing it closes its connection.
    /// </summary>
    public Task<StepContext> BeginApartAsync(CancellationToken ct) => _run.BeginApartAsync(ct);

    /// <summary>A connection of its own logged in as <paramref name="role"/> (the sandbox's), this run's schema on its search path.</summary>
    public Task<NpgsqlConnection> OpenAsAsync(string role, string password, CancellationToken ct) => _run.OpenAsAsync(role, password, ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        if (_ownsConnection) await Connection.DisposeAsync();
    }

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
