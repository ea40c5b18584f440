namespace EtlStudio.Core.Scripts;

/// <summary>A field rule (seed <c>FieldRule</c>): the column type, the strategy, and its values as text (parsed invariantly).</summary>
public sealed record FieldRuleSettings(FieldType FieldType, FieldRuleType Type, string? DefaultValue = null, string? MinValue = null, string? MaxValue = null)
{
    /// <summary>True for the three out-of-range strategies; a column takes at most one of these and one empty-value rule.</summary>
    public bool IsRangeRule => Type is FieldRuleType.FillOutOfRange or FieldRuleType.IgnoreOutOfRange or FieldRuleType.RemoveOutOfRange;
}
