using EtlStudio.Core.Outbox;

namespace EtlStudio.Web.Components.Pages.Outbox;

/// <summary>A grid row: the row id and every value as the invariant text the service reads back (null = empty).</summary>
public sealed class OutboxGridRow
{
    public long RowId { get; init; }
    public Dictionary<string, string?> Texts { get; init; } = [];

    public bool IsNew => RowId == 0;

    public static OutboxGridRow From(OutboxRow row) =>
        new() { RowId = row.RowId, Texts = row.Values.ToDictionary(p => p.Key, p => OutboxValues.Format(p.Value)) };

    public OutboxGridRow Copy() => new() { RowId = RowId, Texts = new Dictionary<string, string?>(Texts) };
}
