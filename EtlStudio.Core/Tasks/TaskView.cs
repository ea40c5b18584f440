using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Tasks;

/// <summary>A task with its configuration and, live, everything that still blocks its release.</summary>
public sealed record TaskView(Guid Id, string Name, string Description, EtlTaskStatus Status, TaskConfiguration Configuration,
    IReadOnlyList<ValidationProblem> Missing, DateTimeOffset UpdatedAt, DateTimeOffset? ReleasedAt);

public sealed record TaskSummary(Guid Id, string Name, EtlTaskStatus Status, int Tables, DateTimeOffset UpdatedAt);

/// <summary>Field rules of one column (UpdateFieldRules).</summary>
public sealed record FieldRuleBinding(string Table, string Column, IReadOnlyList<Guid> ScriptIds);

/// <summary>Anonymization of one column and its role in the privacy model (UpdateAnonymizationRules).</summary>
public sealed record AnonymizationBinding(string Table, string Column, Guid? ScriptId, bool QuasiIdentifier, bool Sensitive);
