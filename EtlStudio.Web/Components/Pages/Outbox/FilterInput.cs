using EtlStudio.Core.Outbox;

namespace EtlStudio.Web.Components.Pages.Outbox;

/// <summary>One line of the filter bar, bound to its inputs; turned into an <see cref="OutboxFilter"/> when searching.</summary>
public sealed class FilterInput
{
    public string? Column { get; set; }
    public OutboxFilterOp Op { get; set; } = OutboxFilterOp.Contains;
    public string? Value { get; set; }
    public string? Value2 { get; set; }

    public static readonly IReadOnlyList<(OutboxFilterOp Op, string Label)> Ops =
    [
        (OutboxFilterOp.Contains, "contains"), (OutboxFilterOp.Equals, "="), (OutboxFilterOp.NotEquals, "≠"),
        (OutboxFilterOp.Between, "between"), (OutboxFilterOp.GreaterOrEqual, "≥"), (OutboxFilterOp.LessOrEqual, "≤"),
        (OutboxFilterOp.StartsWith, "starts with"), (OutboxFilterOp.IsEmpty, "is empty"), (OutboxFilterOp.IsNotEmpty, "is not empty"),
    ];

    public bool NeedsValue => Op is not (OutboxFilterOp.IsEmpty or OutboxFilterOp.IsNotEmpty);

    public OutboxFilter? ToFilter() => Column is null ? null : new OutboxFilter(Column, Op, NeedsValue ? Value : null, Op == OutboxFilterOp.Between ? Value2 : null);
}
