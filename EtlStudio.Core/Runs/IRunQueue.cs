namespace EtlStudio.Core.Runs;

/// <summary>
/// Hands run and upload work to the workers. Hangfire implements it (EtlStudio.Jobs); the work itself is
/// <see cref="IPipelineRunExecutor"/> and <see cref="IUploadExecutor"/>. Call it only after the change that queued the
/// run has committed, so no worker can find the run in its previous state. Enqueueing the same run twice runs it once:
/// the second execution finds the run done, or its lock held and tries again later.
/// </summary>
public interface IRunQueue
{
    Task EnqueueRunAsync(Guid runId, CancellationToken ct = default);
    Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default);
}
