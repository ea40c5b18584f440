using EtlStudio.Core.Pipeline;

namespace EtlStudio.Core.Outbox;

/// <summary>A page of rows with the table's typed columns and the number of rows matching the filters.</summary>
public sealed record OutboxPage(OutboxTable Table, IReadOnlyList<OutboxRow> Rows, long Total, int Page, int PageSize);
