using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Scripts;

public sealed record ScriptView(Guid Id, Guid? TaskId, string Name, ScriptKind Kind, string Body, FieldRuleSettings? FieldRule,
    AnonymizationSettings? Anonymization, TransformationSettings? Transformation, IReadOnlyList<ScriptField> Fields, bool Released,
    DateTimeOffset? ReleasedAt, int Revision, Guid? DerivedFromId, DateTimeOffset UpdatedAt);

public sealed record ScriptRevisionView(int Revision, string Body, string SettingsJson, string ChangedBy, DateTimeOffset ChangedAt);
