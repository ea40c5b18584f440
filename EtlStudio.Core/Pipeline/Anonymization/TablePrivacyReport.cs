namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Privacy of one table's output: over its quasi-identifiers the smallest equivalence class (k reached), how many
/// classes, records suppressed, highest and average re-identification risk (1 / class size); per sensitive column
/// the fewest distinct values in a class (l reached); and the records removed because the anonymization removed the
/// record their foreign key points at.
/// </summary>
public sealed record TablePrivacyReport(
    string Table,
    IReadOnlyList<string> QuasiIdentifiers,
    int? KRequested,
    long? KReached,
    long ClassCount,
    long RecordsSuppressed,
    double? MaxRisk,
    double? AverageRisk,
    IReadOnlyList<SensitiveColumnReport> Sensitive,
    long RecordsRemovedWithParent = 0);
