namespace EtlStudio.Core.Tasks;

/// <summary>A table to build: typed columns, key and merge strategy, foreign keys, and its sources by descending priority.</summary>
public sealed record ResolvedTable(
    string Name,
    IReadOnlyList<ResolvedColumn> Columns,
    string? PrimaryKey,
    MergeStrategy MergeStrategy,
    IReadOnlyList<ForeignKeyConfig> ForeignKeys,
    IReadOnlyList<ResolvedExtraction> Extractions);
