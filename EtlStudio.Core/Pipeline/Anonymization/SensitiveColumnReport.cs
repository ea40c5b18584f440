namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>l-diversity of one sensitive column: the fewest distinct values in any equivalence class (or anatomy group).</summary>
public sealed record SensitiveColumnReport(string Column, int? LRequested, long? LReached);
