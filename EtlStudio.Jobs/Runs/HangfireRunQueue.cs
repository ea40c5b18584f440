using EtlStudio.Core.Runs;
using Hangfire;

namespace EtlStudio.Jobs.Runs;

/// <summary>
/// <see cref="IRunQueue"/> on Hangfire: one fire-and-forget job per enqueue, on the queue its method names. Enqueueing a
/// run twice makes two jobs; the second finds the run done (and does nothing) or its lock held (and tries again later).
/// </summary>
internal sealed class HangfireRunQueue(IBackgroundJobClient jobs) : IRunQueue
{
    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default)
    {
        jobs.Enqueue<RunJobs>(j => j.ExecuteRunAsync(runId, CancellationToken.None));
        return Task.CompletedTask;
    }

    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default)
    {
        jobs.Enqueue<RunJobs>(j => j.ExecuteUploadAsync(runId, CancellationToken.None));
        return Task.CompletedTask;
    }
}
