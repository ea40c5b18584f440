namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Privacy of one table's output: over its quasi-identifiers the smallest equivalence class (k reached), how many
/// classes, records suppressed, highest and average re-identification risk (1 / class size); per sensitive column
/// the fewest distinct values in a class (l reached); and the records removed because the anonymization removed the
/// record their foreign key points at. Recomputed on the outbox as it stands (<see cref="Privacy.OutboxPrivacyReporter"/>),
/// it also carries the records that entered the table's anonymization, the share removed, the marketer risk (classes /
/// records), the discernibility metric (sum of squared class sizes), the average class size and, per anonymized column,
/// what the anonymization cost (<see cref="Privacy.ColumnUtility"/>). <see cref="Baselines"/> are the columns' figures
/// before anonymization, kept by the run for those measures.
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
    long RecordsRemovedWithParent = 0,
    long? RecordsIn = null,
    IReadOnlyList<Privacy.ColumnBaseline>? Baselines = null,
    long? Records = null,
    double? RemovedShare = null,
    double? MarketerRisk = null,
    double? Discernibility = null,
    double? AverageClassSize = null,
    IReadOnlyList<Privacy.ColumnUtility>? Utility = null);
