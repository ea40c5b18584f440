using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Jobs.History;
using EtlStudio.Jobs.Runs;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Quartz;

namespace EtlStudio.Jobs.Monitor;

/// <summary>
/// The job monitor's use cases. Viewing needs ADMIN or PROCESS_ETL_TASK; acting (retry, cancel, trigger now) needs
/// PROCESS_ETL_TASK, and every action is audited. Reads come straight from the shared store, so every node shows the
/// whole cluster.
/// </summary>
public sealed class JobMonitorService(ISchedulerFactory schedulers, IRunQueue queue, NpgsqlDataSource dataSource, ChangeScope scope,
    AccessPolicy policy, AuditTrail audit, IOptions<JobsOptions> options, TimeProvider time)
{
    private const string EntityType = "Job";

    public async Task<Paged<JobView>> ListJobsAsync(Actor actor, JobState? state, PageRequest page, CancellationToken ct = default)
    {
        await DemandViewAsync(actor, ct);
        return await QueryJobsAsync(state, null, null, page, ct);
    }

    public async Task<IReadOnlyList<RecurringJobView>> ListRecurringAsync(Actor actor, CancellationToken ct = default)
    {
        await DemandViewAsync(actor, ct);
        var scheduler = await schedulers.GetScheduler(ct);
        var keys = await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(JobGroups.Maintenance), ct);
        var last = await LastExecutionsAsync(JobGroups.Maintenance, ct);
        var running = await ExecutingJobsAsync(JobGroups.Maintenance, ct);
        var list = new List<RecurringJobView>();
        foreach (var key in keys.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            var detail = await scheduler.GetJobDetail(key, ct);
            var triggers = await scheduler.GetTriggersOfJob(key, ct);
            var recurring = triggers.OfType<ISimpleTrigger>().FirstOrDefault(t => t.RepeatCount < 0);
            var found = last.TryGetValue(key.Name, out var l);
            list.Add(new RecurringJobView(key.Name, detail?.Description, recurring?.RepeatInterval,
                triggers.Select(t => t.NextFireTimeUtc).Where(t => t is not null).Min(),
                recurring?.PreviousFireTimeUtc, running.Contains(key.Name), found ? l.Outcome : null, l.FinishedAt, l.Error));
        }
        return list;
    }

    public async Task<IReadOnlyList<ClusterNodeView>> ListNodesAsync(Actor actor, CancellationToken ct = default)
    {
        await DemandViewAsync(actor, ct);
        await using var cmd = dataSource.CreateCommand(
            $"SELECT instance_name, last_checkin_time, checkin_interval FROM {JobGroups.TablePrefix}scheduler_state WHERE sched_name = @s ORDER BY instance_name");
        cmd.Parameters.AddWithValue("s", options.Value.SchedulerName);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var now = time.GetUtcNow();
        var nodes = new List<ClusterNodeView>();
        while (await reader.ReadAsync(ct))
        {
            var last = QuartzTime.FromTicks(reader.GetInt64(1))!.Value;
            var interval = TimeSpan.FromMilliseconds(reader.GetInt64(2));
            nodes.Add(new ClusterNodeView(reader.GetString(0), last, interval, now - last <= interval + options.Value.CheckinMisfireThreshold));
        }
        return nodes;
    }

    public async Task<Paged<JobExecutionView>> ListExecutionsAsync(Actor actor, string? group, string? name, PageRequest page, CancellationToken ct = default)
    {
        await DemandViewAsync(actor, ct);
        await using var cmd = dataSource.CreateCommand("""
            SELECT id, job_group, job_name, node, started_at, finished_at, outcome, error, count(*) OVER ()
              FROM app.job_executions
             WHERE (@g::text IS NULL OR job_group = @g::text) AND (@n::text IS NULL OR job_name = @n::text)
             ORDER BY started_at DESC, id DESC LIMIT @take OFFSET @skip
            """);
        cmd.Parameters.Add(Text("g", group));
        cmd.Parameters.Add(Text("n", name));
        cmd.Parameters.AddWithValue("take", page.SafeSize);
        cmd.Parameters.AddWithValue("skip", page.Skip);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var items = new List<JobExecutionView>();
        long total = 0;
        while (await reader.ReadAsync(ct))
        {
            items.Add(new JobExecutionView(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                Enum.Parse<JobOutcome>(reader.GetString(6)), reader.IsDBNull(7) ? null : reader.GetString(7)));
            total = reader.GetInt64(8);
        }
        return new Paged<JobExecutionView>(items, total, page.SafePage, page.SafeSize);
    }

    /// <summary>Queues a failed or cancelled run or upload job again; the executor resumes after its last finished step.</summary>
    public async Task RetryAsync(Actor actor, string group, string name, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "job.retry", EntityType, Id(group, name), ct);
        var job = await FindAsync(group, name, ct);
        if (!job.CanRetry) throw DomainException.Precondition($"Only a failed or cancelled job can be retried; this one is {job.State}.");
        var runId = job.RunId ?? RunJobKeys.RunIdOf(new JobKey(name, group))
            ?? throw DomainException.Precondition("This job names no run.");
        await scope.RunAsync(async db =>
        {
            var changes = new AuditChanges().Field("state", job.State.ToString(), nameof(JobState.Queued)).Note("run", runId);
            // A failed run is queued again with its job, so the worker resumes it after its last finished step.
            if (!job.IsUpload && await RunTransitions.RequeueFailedAsync(db, runId, ct) > 0)
                changes.Note("runState", "Failed → Queued");
            if (job.IsUpload) await queue.EnqueueUploadAsync(runId, ct);
            else await queue.EnqueueRunAsync(runId, ct);
            await audit.RecordAsync(db, actor, "job.retry", EntityType, Id(group, name), changes, ct);
        }, ct);
    }

    /// <summary>
    /// Cancels a queued or running run or upload job: waiting triggers are removed and an executing firing — on
    /// whichever node — has its cancellation token signalled. A job cancelled before it started is recorded as such.
    /// </summary>
    public async Task CancelAsync(Actor actor, string group, string name, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "job.cancel", EntityType, Id(group, name), ct);
        var job = await FindAsync(group, name, ct);
        if (!job.CanCancel) throw DomainException.Precondition($"Only a queued or running job can be cancelled; this one is {job.State}.");
        var key = new JobKey(name, group);
        var scheduler = await schedulers.GetScheduler(ct);
        await scope.RunAsync(async db =>
        {
            var triggers = await scheduler.GetTriggersOfJob(key, ct);
            await scheduler.UnscheduleJobs(triggers.Select(t => t.Key).ToList(), ct);
            // Cancelling a run's job stops the run itself: a waiting run is cancelled at once, a running one at its next check.
            if (!job.IsUpload && job.RunId is { } run)
                await RunTransitions.RequestStopAsync(db, run, ct);
            if (job.State != JobState.Running) await RecordCancelledBeforeStartAsync(key, actor, ct);
            await audit.RecordAsync(db, actor, "job.cancel", EntityType, Id(group, name), new AuditChanges()
                .Field("state", job.State.ToString(), nameof(JobState.Cancelled)).Note("run", job.RunId), ct);
        }, ct);
        // Only once the run's stop is committed: the interrupted executor reads it to tell a cancel from a shutdown.
        if (job.State == JobState.Running) await scheduler.Interrupt(key, ct);
    }

    /// <summary>Fires a recurring maintenance job now, besides its schedule.</summary>
    public async Task TriggerNowAsync(Actor actor, string name, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "job.trigger", EntityType, Id(JobGroups.Maintenance, name), ct);
        var key = new JobKey(name, JobGroups.Maintenance);
        var scheduler = await schedulers.GetScheduler(ct);
        if (!await scheduler.Exists(key, ct)) throw DomainException.NotFound("Recurring job", name);
        await scope.RunAsync(async db =>
        {
            await scheduler.TriggerJob(key, ct);
            await audit.RecordAsync(db, actor, "job.trigger", EntityType, Id(JobGroups.Maintenance, name), null, ct);
        }, ct);
    }

    private async Task<JobView> FindAsync(string group, string name, CancellationToken ct) =>
        (await QueryJobsAsync(null, group, name, new PageRequest(1, 1), ct)).Items.SingleOrDefault()
        ?? throw DomainException.NotFound("Job", Id(group, name));

    private async Task<Paged<JobView>> QueryJobsAsync(JobState? state, string? group, string? name, PageRequest page, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(JobListQuery.Sql);
        cmd.Parameters.AddWithValue("sched", options.Value.SchedulerName);
        cmd.Parameters.Add(Text("state", state?.ToString()));
        cmd.Parameters.Add(Text("group", group));
        cmd.Parameters.Add(Text("name", name));
        cmd.Parameters.AddWithValue("take", page.SafeSize);
        cmd.Parameters.AddWithValue("skip", page.Skip);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var items = new List<JobView>();
        long total = 0;
        while (await reader.ReadAsync(ct))
        {
            items.Add(new JobView(
                reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetGuid(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                Enum.Parse<JobState>(reader.GetString(6)),
                QuartzTime.FromTicks(reader.IsDBNull(7) ? null : reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.GetInt64(12)));
            total = reader.GetInt64(13);
        }
        return new Paged<JobView>(items, total, page.SafePage, page.SafeSize);
    }

    private async Task<Dictionary<string, (JobOutcome Outcome, DateTimeOffset? FinishedAt, string? Error)>> LastExecutionsAsync(string group, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT DISTINCT ON (job_name) job_name, outcome, finished_at, error FROM app.job_executions
             WHERE job_group = @g ORDER BY job_name, started_at DESC, id DESC
            """);
        cmd.Parameters.AddWithValue("g", group);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var last = new Dictionary<string, (JobOutcome, DateTimeOffset?, string?)>();
        while (await reader.ReadAsync(ct))
            last[reader.GetString(0)] = (Enum.Parse<JobOutcome>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        return last;
    }

    private async Task<HashSet<string>> ExecutingJobsAsync(string group, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT DISTINCT job_name FROM {JobGroups.TablePrefix}fired_triggers WHERE sched_name = @s AND job_group = @g AND state = 'EXECUTING'");
        cmd.Parameters.AddWithValue("s", options.Value.SchedulerName);
        cmd.Parameters.AddWithValue("g", group);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        return names;
    }

    private async Task RecordCancelledBeforeStartAsync(JobKey key, Actor actor, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO app.job_executions (fire_instance_id, job_group, job_name, node, started_at, finished_at, outcome, error)
            VALUES (@f, @g, @n, '-', @at, @at, 'Cancelled', @e)
            """);
        cmd.Parameters.AddWithValue("f", "cancel-" + Guid.NewGuid().ToString("N"));
        cmd.Parameters.AddWithValue("g", key.Group);
        cmd.Parameters.AddWithValue("n", key.Name);
        cmd.Parameters.AddWithValue("at", time.GetUtcNow());
        cmd.Parameters.AddWithValue("e", $"Cancelled by {actor.Login} before it started.");
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task DemandViewAsync(Actor actor, CancellationToken ct)
    {
        if (await policy.HasRoleAsync(actor, UserRole.ProcessEtlTask, ct) || await policy.IsAdminAsync(actor, ct)) return;
        await policy.DenyAsync(actor, "job.view", EntityType, null, "Viewing jobs needs the ADMIN or PROCESS_ETL_TASK role.", ct);
    }

    private static string Id(string group, string name) => group + "." + name;

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };
}
