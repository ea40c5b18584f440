namespace EtlStudio.Core.Runs;

/// <summary>
/// Uploads (or resumes uploading) the outbox of a run in state Uploading to its destination, exactly once.
/// Called by a worker; safe to call again after a crash at any point.
/// </summary>
public interface IUploadExecutor
{
    Task ExecuteAsync(Guid runId, CancellationToken ct);
}
