namespace EtlStudio.Core.Pipeline;

/// <summary>The first rows of a table, column → value as text.</summary>
public sealed record PreviewTable(string Name, IReadOnlyList<IReadOnlyDictionary<string, string?>> Rows);
