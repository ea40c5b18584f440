using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Outbox;

/// <summary>A run whose outbox exists, with its tables; <see cref="IsEditable"/> only while it is Prepared.</summary>
public sealed record OutboxSummary(Guid RunId, Guid TaskId, string TaskName, int RunNumber, RunState State, DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt, string? Error, IReadOnlyList<OutboxTableView> Tables)
{
    public bool IsEditable => State == RunState.Prepared;
}
