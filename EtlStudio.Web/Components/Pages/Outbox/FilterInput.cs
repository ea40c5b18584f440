using EtlStudio.Core.Outbox;

namespace EtlStudio.Web.Components.Pages.Outbox;

/// <summary>One line of the filter bar, bound to its inputs; turned into an <see cref="OutboxFilter"/> when searching.</summary>
public sealed class FilterInput
{
    public string? Column { get; set; }
    public OutboxFilterOp Op { get; set; } = OutboxFilterOp.Contains;
    public string? Value { get; set; }
    public string? Value2 { get; set; }

    /// <summary>A choice of the operation drop-down (a record, so the select shows its label).</summary>
    public sealed record Choice(OutboxFilterOp Op, string Label);

    public static readonly IReadOnlyList<Choice> Ops =
    [
        new(OutboxFilterOp.Contains, "contains"), new(OutboxFilterOp.Equals, "="), new(OutboxFilterOp.NotEquals, "≠"),
        new(OutboxFilterOp.Between, "between"), new(OutboxFilterOp.GreaterOrEqual, "≥"), new(OutboxFilterOp.LessOrEqual, "≤"),
        new(OutboxFilterOp.StartsWith, "starts with"), new(OutboxFilterOp.IsEmpty, "is empty"), new(OutboxFilterOp.IsNotEmpty, "is not empty"),
    ];

    public bool NeedsValue => Op is not (OutboxFilterOp.IsEmpty or OutboxFilterOp.IsNotEmpty);

    public OutboxFilter? ToFilter() => Column is null ? null : new OutboxFilter(Column, Op, NeedsValue ? Value : null, Op == OutboxFilterOp.Between ? Value2 : null);
}
