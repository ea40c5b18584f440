using EtlStudio.Core.Pipeline;

namespace EtlStudio.Core.Outbox;

/// <summary>An outbox table as listed: its catalog entry and how many rows it holds now.</summary>
public sealed record OutboxTableView(OutboxTable Table, long RowCount)
{
    public string Name => Table.Name;
}
