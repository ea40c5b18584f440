namespace EtlStudio.Core.Outbox;

/// <summary>
/// One row of an outbox table: its stable row id and typed values by column (long, double, string, bool,
/// DateOnly, DateTimeOffset or null).
/// </summary>
public sealed record OutboxRow(long RowId, IReadOnlyDictionary<string, object?> Values);
