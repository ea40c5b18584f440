namespace EtlStudio.Core.Scripts;

/// <summary>Shuffle the column's values across records, or only within groups of equal quasi-identifiers.</summary>
public sealed record PermutationParameters(bool WithinGroups) : AnonymizationParameters;
