using EtlStudio.Core.Common;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// A page of one outbox table: 1-based page, a sort column (default: row id) and filters that all must hold. With
/// <see cref="After"/> (the previous page's last row, same sort and filters) the page is the rows following it.
/// </summary>
public sealed record OutboxQuery(int Page = 1, int PageSize = 25, string? OrderBy = null, bool Descending = false, IReadOnlyList<OutboxFilter>? Filters = null,
    OutboxCursor? After = null)
{
    public PageRequest Paging => new(Page, PageSize);
}
