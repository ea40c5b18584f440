using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Scripts;

/// <summary>What a Task-Editor enters for a script; exactly the settings of its kind are given.</summary>
public sealed record ScriptInput(
    string Name,
    ScriptKind Kind,
    Guid? TaskId,
    string Body,
    FieldRuleSettings? FieldRule = null,
    AnonymizationSettings? Anonymization = null,
    TransformationSettings? Transformation = null,
    IReadOnlyList<ScriptField>? Fields = null);
