using System.Text.Json;
using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>Keeps a preview's steps in memory and, at the end of each step, the first rows of every table and the step's rejects.</summary>
internal sealed class PreviewCheckpoint(string schema, IReadOnlyList<string> taskTables, int rowsPerTable) : IRunCheckpoint
{
    public List<PreviewStep> Steps { get; } = [];

    public Task<IReadOnlySet<PipelineStep>> FinishedStepsAsync(CancellationToken ct) => Task.FromResult<IReadOnlySet<PipelineStep>>(new HashSet<PipelineStep>());
    public Task StepStartedAsync(PipelineStep step, CancellationToken ct) => Task.CompletedTask;
    public Task ProgressAsync(PipelineStep step, long rows, CancellationToken ct) => Task.CompletedTask;
    public Task<bool> PauseRequestedAsync(CancellationToken ct) => Task.FromResult(false);

    public async Task StepFinishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, StepResult result, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = @s AND tablename NOT IN ('_rejects', '_outbox', '_key_changes') ORDER BY tablename", conn, tx))
        {
            list.Parameters.AddWithValue("s", schema);
            await using var r = await list.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) names.Add(r.GetString(0));
        }
        var tables = new List<PreviewTable>();
        foreach (var name in names)
        {
            var rows = await RowsAsync(conn, tx, $"SELECT to_jsonb(t) - '_src' - '_bad_col' - '_bad_reason' FROM {Sql.Table(schema, name)} t ORDER BY _row LIMIT {rowsPerTable}", ct);
            tables.Add(new PreviewTable(Display(name), rows));
        }
        var rejects = await RowsAsync(conn, tx, $"""
            SELECT jsonb_build_object('table', table_name, 'rule', rule, 'column', column_name, 'reason', reason, 'record', record::text)
            FROM {Sql.Table(schema, StagingLayout.Rejects)} WHERE step = '{result.Step}' ORDER BY id LIMIT {rowsPerTable}
            """, ct);
        Steps.Add(new PreviewStep(result.Step, result.RowsIn, result.RowsOut, result.RowsRejected, tables, rejects));
    }

    /// <summary>Working tables shown by their task table's name.</summary>
    private string Display(string name) =>
        name.Length > 3 && name.StartsWith("__", StringComparison.Ordinal) && int.TryParse(name[3..], out var i) && i < taskTables.Count ? taskTables[i] : name;

    private static async Task<IReadOnlyList<IReadOnlyDictionary<string, string?>>> RowsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            using var doc = JsonDocument.Parse(r.GetString(0));
            rows.Add(doc.RootElement.EnumerateObject().ToDictionary(p => p.Name,
                p => p.Value.ValueKind switch { JsonValueKind.Null => null, JsonValueKind.String => p.Value.GetString(), _ => p.Value.GetRawText() }));
        }
        return rows;
    }
}
