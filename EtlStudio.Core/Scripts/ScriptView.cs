using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Scripts;

/// <summary>A script as editors and adapters see it: its kind's settings read back into typed records.</summary>
public sealed record ScriptView(Guid Id, Guid? TaskId, string Name, ScriptKind Kind, string Body, FieldRuleSettings? FieldRule,
    AnonymizationSettings? Anonymization, TransformationSettings? Transformation, IReadOnlyList<ScriptField> Fields, bool Released,
    DateTimeOffset? ReleasedAt, int Revision, Guid? DerivedFromId, DateTimeOffset UpdatedAt);
