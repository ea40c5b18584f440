namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// What a table became (itself with possibly changed types, or QIT and ST), the step's counts, its privacy report, and
/// how each phase was carried out (null from the reference path, <see cref="ReferenceAnonymizer"/>).
/// </summary>
public sealed record AnonymizationResult(
    IReadOnlyList<OutboxTable> Tables,
    long RowsIn,
    long RowsOut,
    long RowsRejected,
    TablePrivacyReport Report,
    AnonymizationStrategy? Strategy = null);
