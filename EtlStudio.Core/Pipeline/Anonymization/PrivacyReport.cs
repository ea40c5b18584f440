namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>The privacy report of a run: one entry per table that has quasi-identifiers, sensitive columns or anonymized columns.</summary>
public sealed record PrivacyReport(IReadOnlyList<TablePrivacyReport> Tables);
