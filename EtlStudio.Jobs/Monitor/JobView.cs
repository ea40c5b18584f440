namespace EtlStudio.Jobs.Monitor;

/// <summary>One run or upload job as the job monitor lists it.</summary>
public sealed record JobView(
    string Group,
    string Name,
    Guid? RunId,
    string? TaskName,
    int? RunNumber,
    string? RunState,
    JobState State,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastStartedAt,
    DateTimeOffset? LastFinishedAt,
    string? LastNode,
    string? LastError,
    long Executions)
{
    public bool IsUpload => Group == Hosting.JobGroups.Uploads;
    public bool CanRetry => State is JobState.Failed or JobState.Cancelled;
    public bool CanCancel => State is JobState.Queued or JobState.Running;
}
