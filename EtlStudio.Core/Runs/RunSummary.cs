using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Runs;

/// <summary>A line of the run history.</summary>
public sealed record RunSummary(Guid Id, Guid TaskId, string TaskName, int Number, RunState State, string? CurrentStep,
    string RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, long RowsRejected, string? Error);
