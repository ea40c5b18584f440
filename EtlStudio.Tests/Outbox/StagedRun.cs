namespace EtlStudio.Tests.Outbox;

/// <summary>A run staged by <see cref="OutboxStaging"/>: its id, its task and its staging schema.</summary>
public sealed record StagedRun(Guid RunId, Guid TaskId, string Schema);
