namespace EtlStudio.Core.Pipeline;

/// <summary>One table of a run's result, as listed in the staging catalog (<see cref="StagingLayout.Catalog"/>).</summary>
public sealed record OutboxTable(string Name, int Ordinal, IReadOnlyList<OutboxColumn> Columns, string? PrimaryKey, string? SourceTable);
