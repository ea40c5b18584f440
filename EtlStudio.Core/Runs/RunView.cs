using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Runs;

/// <summary>A run as people see it: its task, who started it, where it is, its steps and its privacy report (JSON).</summary>
public sealed record RunView(
    Guid Id, Guid TaskId, string TaskName, int Number, RunState State, string? CurrentStep, long? ProgressRows,
    bool PauseRequested, bool StopRequested, string RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, DateTimeOffset? UploadedAt, string? Error, string? PrivacyReportJson, long? Seed,
    IReadOnlyList<RunStepView> Steps)
{
    public bool IsActive => State is RunState.Queued or RunState.Running or RunState.Uploading;
}
