using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// A column's field rules as step 2 applies them, their settings converted to the column's type once. A default or a
/// bound that does not convert (or is empty) is no rule: the task's validation reports it, the run goes without it.
/// </summary>
/// <param name="FillsEmpty">Whether an empty value gets <paramref name="Fill"/> (FillEmpty).</param>
/// <param name="Range">The out-of-range strategy, when at least one of <paramref name="Min"/> and <paramref name="Max"/> is set.</param>
internal sealed record ColumnRules(ResolvedColumn Column, bool RemoveEmpty, bool FillsEmpty, object? Fill, FieldRuleType? Range, object? Min, object? Max)
{
    /// <summary>Whether the rules may change a value of the column (a fill or a clamp), rather than only keep or drop records.</summary>
    public bool Rewrites => FillsEmpty || Range == FieldRuleType.FillOutOfRange;

    public static ColumnRules For(ResolvedColumn c)
    {
        var empty = c.EmptyRule?.Settings;
        object? fill = null;
        var fills = empty is { Type: FieldRuleType.FillEmpty, DefaultValue: { } text } && ScriptValidator.TryConvert(c.Type, text, out fill);
        var range = c.RangeRule?.Settings;
        var (min, max) = (Bound(c.Type, range?.MinValue), Bound(c.Type, range?.MaxValue));
        return new ColumnRules(c, empty?.Type == FieldRuleType.RemoveEmpty, fills, fills ? fill : null,
            range is not null && (min is not null || max is not null) ? range.Type : null, min, max);
    }

    private static object? Bound(FieldType type, string? text) =>
        !string.IsNullOrEmpty(text) && ScriptValidator.TryConvert(type, text, out var v) ? v : null;
}
