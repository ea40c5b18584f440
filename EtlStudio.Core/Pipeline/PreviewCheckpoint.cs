using System.Text.Json;
using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>Keeps a preview's steps in memory and, at the end of each step, the first rows of every table and the step's rejects.</summary>
internal sealed class PreviewCheckpoint(string schema, IReadOnlyList<string> taskTables, int rowsPerTable) : IRunCheckpoint
{
    private static readonly HashSet<string> EngineColumns = ["_row", "_src", "_bad_col", "_bad_reason"];

    public List<PreviewStep> Steps { get; } = [];

    public Task<IReadOnlySet<PipelineStep>> FinishedStepsAsync(CancellationToken ct) => Task.FromResult<IReadOnlySet<PipelineStep>>(new HashSet<PipelineStep>());
    public Task StepStartedAsync(PipelineStep step, CancellationToken ct) => Task.CompletedTask;
    public Task ProgressAsync(PipelineStep step, long rows, CancellationToken ct) => Task.CompletedTask;
    public Task<bool> PauseRequestedAsync(CancellationToken ct) => Task.FromResult(false);

    public async Task StepFinishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, StepResult result, CancellationToken ct)
    {
        var names = new List<(string Name, bool Numbered)>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = '_row' AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            -- Engine tables (one leading underscore: rejects, catalog, markers) are not shown; working tables (two) are.
            WHERE n.nspname = @s AND c.relkind = 'r' AND (c.relname NOT LIKE '\_%' OR c.relname LIKE '\_\_%') ORDER BY c.relname
            """, conn, tx))
        {
            list.Parameters.AddWithValue("s", schema);
            await using var r = await list.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) names.Add((r.GetString(0), r.GetBoolean(1)));
        }
        var tables = new List<PreviewTable>();
        foreach (var (name, numbered) in names)
        {
            // Tables a transformation just made have no row numbers until the outbox step.
            var order = numbered ? "ORDER BY _row" : "";
            var rows = await RowsAsync(conn, tx, $"SELECT row_to_json(t)::text FROM {Sql.Table(schema, name)} t {order} LIMIT {rowsPerTable}", ct);
            tables.Add(new PreviewTable(Display(name), rows));
        }
        var rejects = await RowsAsync(conn, tx, $"""
            SELECT json_build_object('table', table_name, 'rule', rule, 'column', column_name, 'reason', reason, 'record', record::text)
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
            // json (not jsonb) keeps the table's column order; the engine's own columns are left out.
            rows.Add(doc.RootElement.EnumerateObject().Where(p => !EngineColumns.Contains(p.Name)).ToDictionary(p => p.Name,
                p => p.Value.ValueKind switch { JsonValueKind.Null => null, JsonValueKind.String => p.Value.GetString(), _ => p.Value.GetRawText() }));
        }
        return rows;
    }
}
