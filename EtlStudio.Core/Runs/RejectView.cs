namespace EtlStudio.Core.Runs;

/// <summary>A dropped record: the step and rule that dropped it, the column, the reason, and the record itself (JSON).</summary>
public sealed record RejectView(long Id, string Step, string Table, string Rule, string? Column, string Reason, long? RowId, string Record);
