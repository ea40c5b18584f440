namespace EtlStudio.Core.Tasks;

/// <summary>A column whose values must exist in another table's column (feature 6).</summary>
public sealed record ForeignKeyConfig(string Column, string ReferencesTable, string ReferencesColumn);
