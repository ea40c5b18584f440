namespace EtlStudio.Core.Runs;

/// <summary>
/// Hands run and upload work to the workers. The Quartz job store implements it (EtlStudio.Jobs); the work itself is
/// <see cref="IPipelineRunExecutor"/> and <see cref="IUploadExecutor"/>. Enqueueing the same run twice runs it once.
/// </summary>
public interface IRunQueue
{
    Task EnqueueRunAsync(Guid runId, CancellationToken ct = default);
    Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default);
}
