namespace EtlStudio.Jobs.Runs;

/// <summary>The run a job executed ended Failed; the job fails with the run's error so the dashboard shows both together.</summary>
public sealed class RunFailedException(Guid runId, string error) : Exception($"Run {runId} failed: {error}")
{
    public Guid RunId { get; } = runId;
}
