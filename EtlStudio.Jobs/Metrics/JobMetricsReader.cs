using EtlStudio.Core.Domain;
using EtlStudio.Jobs.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Jobs.Metrics;

/// <summary>
/// Reads the numbers behind <c>/metrics</c> with a handful of aggregate queries, so a scrape costs the same however
/// many runs there are. Every node answers for the whole cluster: the figures come from the shared database.
/// </summary>
public sealed class JobMetricsReader(NpgsqlDataSource dataSource, IOptions<JobsOptions> options)
{
    private static readonly string[] Groups = [JobGroups.Runs, JobGroups.Uploads, JobGroups.Maintenance];

    private const string Sql = $"""
        SELECT state, count(*) FROM app.pipeline_runs GROUP BY state;
        SELECT step, count(*), coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8,
               sum(rows_in)::bigint, sum(rows_out)::bigint, sum(rows_rejected)::bigint
          FROM app.run_steps WHERE finished_at IS NOT NULL AND started_at IS NOT NULL GROUP BY step ORDER BY step;
        SELECT t.job_group, count(*) FROM {JobGroups.TablePrefix}triggers t
         WHERE t.sched_name = @sched AND NOT EXISTS (
               SELECT 1 FROM {JobGroups.TablePrefix}fired_triggers f
                WHERE f.sched_name = t.sched_name AND f.trigger_name = t.trigger_name AND f.trigger_group = t.trigger_group
                  AND f.state = 'EXECUTING')
           AND t.job_group IN ('{JobGroups.Runs}', '{JobGroups.Uploads}')
         GROUP BY t.job_group;
        SELECT job_group, count(DISTINCT (job_group, job_name)) FROM {JobGroups.TablePrefix}fired_triggers
         WHERE sched_name = @sched AND state = 'EXECUTING' GROUP BY job_group;
        SELECT job_group, outcome, count(*) FROM app.job_executions GROUP BY job_group, outcome ORDER BY 1, 2;
        SELECT count(*) FROM {JobGroups.TablePrefix}scheduler_state WHERE sched_name = @sched;
        """;

    public async Task<JobMetricsSnapshot> ReadAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(Sql);
        cmd.Parameters.AddWithValue("sched", options.Value.SchedulerName);
        await using var reader = await cmd.ExecuteReaderAsync(ct);

        // Every state is reported, zero included, so a dashboard's series never disappear.
        var runs = Enum.GetNames<RunState>().ToDictionary(s => s, _ => 0L);
        while (await reader.ReadAsync(ct)) runs[reader.GetString(0)] = reader.GetInt64(1);

        await reader.NextResultAsync(ct);
        var steps = new List<StepMetrics>();
        while (await reader.ReadAsync(ct))
            steps.Add(new StepMetrics(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));

        await reader.NextResultAsync(ct);
        var queued = new Dictionary<string, long> { [JobGroups.Runs] = 0, [JobGroups.Uploads] = 0 };
        while (await reader.ReadAsync(ct)) queued[reader.GetString(0)] = reader.GetInt64(1);

        await reader.NextResultAsync(ct);
        var running = Groups.ToDictionary(g => g, _ => 0L);
        while (await reader.ReadAsync(ct)) running[reader.GetString(0)] = reader.GetInt64(1);

        await reader.NextResultAsync(ct);
        var executions = new List<(string, string, long)>();
        while (await reader.ReadAsync(ct)) executions.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));

        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var nodes = reader.GetInt64(0);
        return new JobMetricsSnapshot(runs, steps, queued, running, executions, nodes);
    }
}
