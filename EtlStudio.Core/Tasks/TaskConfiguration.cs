using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>How records sharing a primary key are merged (feature 5).</summary>
public enum MergeStrategy
{
    SourcePriority,
    RemoveConflicting,
    Regenerate,
}

/// <summary>A task's whole configuration: stored as one jsonb document on the task.</summary>
public sealed record TaskConfiguration(
    IReadOnlyList<TableConfig> Tables,
    IReadOnlyList<Guid> TransformationScriptIds,
    PrivacySettings Privacy,
    UploadConfig? Upload)
{
    public static TaskConfiguration Empty { get; } = new([], [], new PrivacySettings(null, null, null), null);
}

public sealed record TableConfig(
    string Name,
    IReadOnlyList<ColumnConfig> Columns,
    string? PrimaryKey,
    MergeStrategy MergeStrategy,
    IReadOnlyList<ForeignKeyConfig> ForeignKeys,
    IReadOnlyList<ExtractionConfig> Extractions);

public sealed record ColumnConfig(
    string Name,
    FieldType Type,
    IReadOnlyList<Guid> FieldRuleScriptIds,
    Guid? AnonymizationScriptId = null,
    bool QuasiIdentifier = false,
    bool Sensitive = false);

public sealed record ForeignKeyConfig(string Column, string ReferencesTable, string ReferencesColumn);

/// <summary>An extraction script bound to its source connection; higher priority wins under SourcePriority.</summary>
public sealed record ExtractionConfig(Guid ScriptId, Guid ConnectionId, int Priority);

/// <summary>k for k-anonymity, l for anatomization, and an optional fixed random seed (tests, reproducible runs).</summary>
public sealed record PrivacySettings(int? K, int? L, long? Seed);

public sealed record UploadConfig(Guid? ScriptId, Guid? DestinationConnectionId);
