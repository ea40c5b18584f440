namespace EtlStudio.Core.Scripts;

/// <summary>The seed's <c>FieldRuleType</c>: what to do with an empty value or a value out of range.</summary>
public enum FieldRuleType
{
    FillEmpty,
    IgnoreEmpty,
    RemoveEmpty,
    FillOutOfRange,
    IgnoreOutOfRange,
    RemoveOutOfRange,
}
