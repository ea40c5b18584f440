namespace EtlStudio.Core.Scripts;

/// <summary>A field rule (seed <c>FieldRule</c>): the column type, the strategy, and its values as text.</summary>
public sealed record FieldRuleSettings(FieldType FieldType, FieldRuleType Type, string? DefaultValue = null, string? MinValue = null, string? MaxValue = null)
{
    public bool IsRangeRule => Type is FieldRuleType.FillOutOfRange or FieldRuleType.IgnoreOutOfRange or FieldRuleType.RemoveOutOfRange;
}

/// <summary>An anonymization rule: the method and its parameters (DESIGN.md §5.6), as text.</summary>
public sealed record AnonymizationSettings(AnonymizationMethod Method, IReadOnlyDictionary<string, string> Parameters);

/// <summary>A transformation: Merge (SELECT into <see cref="TargetTable"/>) or Update (DML).</summary>
public sealed record TransformationSettings(TransformationType Type, string? TargetTable);

/// <summary>A field a script applies to (seed <c>Field</c>).</summary>
public sealed record ScriptField(string ExtDatamoduleId, string FieldName);
