namespace EtlStudio.Core.Runs;

/// <summary>
/// Another worker holds the run's lock, so this execution did nothing. Thrown rather than returned so the job system
/// tries again later: a job that returned would look done while its work may still be ahead (a resume, say, that
/// arrived while the previous execution was finishing).
/// </summary>
public sealed class RunBusyException(Guid runId, string work)
    : Exception($"The {work} of run {runId} is being executed by another worker; this execution will be tried again.")
{
    public Guid RunId { get; } = runId;
}
