using EtlStudio.Core.Runs;
using Quartz;

namespace EtlStudio.Jobs.Runs;

/// <summary>
/// <see cref="IRunQueue"/> on the clustered Quartz store. Each run gets one durable, recoverable job; enqueueing adds
/// its one-shot trigger unless one is already waiting or firing, so a second enqueue is harmless. Once a firing has
/// finished the trigger is gone, and enqueueing again (after a resume, say) fires the job again.
/// </summary>
internal sealed class QuartzRunQueue(ISchedulerFactory schedulers) : IRunQueue
{
    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default) =>
        EnqueueAsync(JobBuilder.Create<PipelineRunJob>().WithIdentity(RunJobKeys.Run(runId)).WithDescription($"Pipeline run {runId}")
            .StoreDurably().RequestRecovery().Build(), ct);

    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default) =>
        EnqueueAsync(JobBuilder.Create<UploadJob>().WithIdentity(RunJobKeys.Upload(runId)).WithDescription($"Upload of run {runId}")
            .StoreDurably().RequestRecovery().Build(), ct);

    private async Task EnqueueAsync(IJobDetail job, CancellationToken ct)
    {
        var trigger = TriggerFor(job.Key);
        var scheduler = await schedulers.GetScheduler(ct);
        try
        {
            await scheduler.ScheduleJob(job, trigger, cancellationToken: ct);
        }
        catch (ObjectAlreadyExistsException)
        {
            // The job is known from an earlier enqueue: add the trigger alone; if that exists too, the run is already
            // waiting or running and there is nothing to do.
            try { await scheduler.ScheduleJob(trigger, cancellationToken: ct); }
            catch (ObjectAlreadyExistsException) { }
        }
    }

    /// <summary>The trigger shares the job's name, which is what makes a second enqueue collide instead of queueing twice.</summary>
    internal static ITrigger TriggerFor(JobKey job) =>
        TriggerBuilder.Create().WithIdentity(job.Name, job.Group).ForJob(job).StartNow().Build();
}
