namespace EtlStudio.Core.Outbox;

/// <summary>
/// The last row of the page before (its row id and its sort column's value as text): the next page is then read by
/// seeking in the sort index instead of skipping every earlier row, so paging forward stays fast however deep it goes.
/// </summary>
public sealed record OutboxCursor(long RowId, string? SortValue);
