namespace EtlStudio.Core.Outbox;

/// <summary>One filter on a column; values are text, parsed invariantly to the column's type (<see cref="OutboxValues"/>).</summary>
public sealed record OutboxFilter(string Column, OutboxFilterOp Op, string? Value = null, string? Value2 = null);
