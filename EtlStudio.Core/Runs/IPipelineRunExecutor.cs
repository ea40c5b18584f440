namespace EtlStudio.Core.Runs;

/// <summary>
/// Executes (or resumes after its last finished step) one queued run. Called by a worker; returns when the run has
/// finished, failed, paused or stopped. Safe to call again for a run a crashed worker left behind.
/// </summary>
public interface IPipelineRunExecutor
{
    Task ExecuteAsync(Guid runId, CancellationToken ct);
}
