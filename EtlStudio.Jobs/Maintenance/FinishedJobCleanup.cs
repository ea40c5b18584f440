using EtlStudio.Core.Maintenance;
using EtlStudio.Jobs.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>
/// Run and upload jobs are durable, so the monitor can show and retry them; once their run is Uploaded or Discarded
/// and older than the outbox retention, nothing can need them again and they are deleted from the store. Their
/// firings stay in <c>app.job_executions</c>.
/// </summary>
internal sealed class FinishedJobCleanup(ISchedulerFactory schedulers, NpgsqlDataSource dataSource, IOptions<JobsOptions> jobs,
    IOptions<OutboxRetentionOptions> retention, TimeProvider time)
{
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($$"""
            SELECT jd.job_group, jd.job_name FROM {{JobGroups.TablePrefix}}job_details jd
              JOIN app.pipeline_runs r
                ON jd.job_name ~ '^(run|upload)-[0-9a-f-]{36}$' AND r.id = substring(jd.job_name FROM '[0-9a-f-]{36}$')::uuid
             WHERE jd.sched_name = @s AND jd.job_group IN ('{{JobGroups.Runs}}', '{{JobGroups.Uploads}}')
               AND r.state IN ('Uploaded', 'Discarded') AND coalesce(r.uploaded_at, r.finished_at, r.created_at) < @cutoff
               AND NOT EXISTS (SELECT 1 FROM {{JobGroups.TablePrefix}}triggers t
                                WHERE t.sched_name = jd.sched_name AND t.job_group = jd.job_group AND t.job_name = jd.job_name)
            """);
        cmd.Parameters.AddWithValue("s", jobs.Value.SchedulerName);
        cmd.Parameters.AddWithValue("cutoff", time.GetUtcNow().AddDays(-retention.Value.RetentionDays));
        var keys = new List<JobKey>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) keys.Add(new JobKey(reader.GetString(1), reader.GetString(0)));
        if (keys.Count == 0) return 0;
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.DeleteJobs(keys, ct);
        return keys.Count;
    }
}
