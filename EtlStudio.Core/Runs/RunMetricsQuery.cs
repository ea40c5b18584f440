using EtlStudio.Core.Domain;
using Npgsql;

namespace EtlStudio.Core.Runs;

/// <summary>Run and step figures for <c>/metrics</c>, read from the database so every node reports the same totals.</summary>
public sealed class RunMetricsQuery(NpgsqlDataSource dataSource)
{
    public sealed record StepTotals(string Step, long Count, double Seconds, long RowsIn, long RowsOut, long RowsRejected);

    public sealed record Snapshot(IReadOnlyDictionary<RunState, long> RunsByState, IReadOnlyList<StepTotals> Steps);

    public async Task<Snapshot> ReadAsync(CancellationToken ct)
    {
        // Every state is reported, zero included, so a series never vanishes when its last run moves on.
        var runs = Enum.GetValues<RunState>().ToDictionary(s => s, _ => 0L);
        await using (var cmd = dataSource.CreateCommand("SELECT state, count(*) FROM app.pipeline_runs GROUP BY state"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                if (Enum.TryParse<RunState>(r.GetString(0), out var state)) runs[state] = r.GetInt64(1);
        var steps = new List<StepTotals>();
        await using (var cmd = dataSource.CreateCommand("""
            SELECT step, count(*), coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8,
                   coalesce(sum(rows_in), 0)::bigint, coalesce(sum(rows_out), 0)::bigint, coalesce(sum(rows_rejected), 0)::bigint
              FROM app.run_steps WHERE status = 'Succeeded' AND finished_at IS NOT NULL GROUP BY step ORDER BY step
            """))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                steps.Add(new StepTotals(r.GetString(0), r.GetInt64(1), r.GetDouble(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));
        return new Snapshot(runs, steps);
    }
}
