namespace EtlStudio.Core.Tasks;

/// <summary>One table of the task: typed columns, primary key and merge strategy, foreign keys, and its sources.</summary>
public sealed record TableConfig(
    string Name,
    IReadOnlyList<ColumnConfig> Columns,
    string? PrimaryKey,
    MergeStrategy MergeStrategy,
    IReadOnlyList<ForeignKeyConfig> ForeignKeys,
    IReadOnlyList<ExtractionConfig> Extractions);
