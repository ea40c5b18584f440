namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>What a table became (itself with possibly changed types, or QIT and ST), the step's counts, and its privacy report.</summary>
public sealed record AnonymizationResult(
    IReadOnlyList<OutboxTable> Tables,
    long RowsIn,
    long RowsOut,
    long RowsRejected,
    TablePrivacyReport Report);
