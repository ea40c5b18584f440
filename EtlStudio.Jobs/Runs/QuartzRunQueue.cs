using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace EtlStudio.Jobs.Runs;

/// <summary>
/// <see cref="IRunQueue"/> on the clustered Quartz store. Each run has one durable, recoverable job, and at most one
/// execution of it waits at any time: enqueues that arrive before a worker picks the run up collapse into one. An
/// enqueue that arrives while the run executes queues exactly one follow-up (collapsing likewise), because it may be a
/// resume racing the end of a pause — losing it would leave the run queued forever, while a needless follow-up finds
/// nothing to do (the executors are safe to call again).
/// </summary>
internal sealed class QuartzRunQueue(ISchedulerFactory schedulers, NpgsqlDataSource dataSource, IOptions<JobsOptions> options) : IRunQueue
{
    private const string FollowUpSuffix = ":next";

    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default) =>
        EnqueueAsync(JobBuilder.Create<PipelineRunJob>().WithIdentity(RunJobKeys.Run(runId)).WithDescription($"Pipeline run {runId}")
            .StoreDurably().RequestRecovery().Build(), ct);

    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default) =>
        EnqueueAsync(JobBuilder.Create<UploadJob>().WithIdentity(RunJobKeys.Upload(runId)).WithDescription($"Upload of run {runId}")
            .StoreDurably().RequestRecovery().Build(), ct);

    private async Task EnqueueAsync(IJobDetail job, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var first = TriggerFor(job.Key, job.Key.Name);
        try
        {
            await scheduler.ScheduleJob(job, first, cancellationToken: ct);
            return;
        }
        catch (ObjectAlreadyExistsException)
        {
            // The job is known from an earlier enqueue; go on with its triggers alone.
        }
        // Two trigger names alternate, so one may be firing while the other waits; a name that is taken by a trigger
        // not yet fired means an execution is already waiting, and this enqueue has nothing to add.
        foreach (var name in new[] { job.Key.Name, job.Key.Name + FollowUpSuffix })
        {
            var key = new TriggerKey(name, job.Key.Group);
            if (await IsWaitingAsync(key, ct)) return;
        }
        foreach (var name in new[] { job.Key.Name, job.Key.Name + FollowUpSuffix })
        {
            try
            {
                await scheduler.ScheduleJob(TriggerFor(job.Key, name), cancellationToken: ct);
                return;
            }
            catch (ObjectAlreadyExistsException)
            {
                // Taken by the firing one (or, racing, by another enqueue's waiting one): try the other name.
            }
        }
    }

    /// <summary>
    /// Whether the trigger exists and has not started executing on any node. Read from the store, because the
    /// trigger's own state does not tell (a non-concurrent job's trigger reads Blocked both before and while it runs)
    /// and the scheduler API sees only this node's executions.
    /// </summary>
    private async Task<bool> IsWaitingAsync(TriggerKey key, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT EXISTS (SELECT 1 FROM {JobGroups.TablePrefix}triggers t
                            WHERE t.sched_name = @s AND t.trigger_name = @n AND t.trigger_group = @g)
               AND NOT EXISTS (SELECT 1 FROM {JobGroups.TablePrefix}fired_triggers f
                                WHERE f.sched_name = @s AND f.trigger_name = @n AND f.trigger_group = @g AND f.state = 'EXECUTING')
            """);
        cmd.Parameters.AddWithValue("s", options.Value.SchedulerName);
        cmd.Parameters.AddWithValue("n", key.Name);
        cmd.Parameters.AddWithValue("g", key.Group);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    internal static ITrigger TriggerFor(JobKey job, string name) =>
        TriggerBuilder.Create().WithIdentity(name, job.Group).ForJob(job).StartNow().Build();
}
