using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Anonymize one staged table in place: <c>{Schema}.{Table}</c> has <c>_row</c> and the typed <see cref="Columns"/>
/// (their anonymization, quasi-identifier and sensitive flags, and range rules whose bounds perturbation keeps).
/// <see cref="Seed"/> drives every random choice, so the same seed gives the same output. <see cref="Rows"/>, when
/// the caller knows it, is the table's row count.
/// </summary>
public sealed record AnonymizationRequest(
    string Schema,
    string Table,
    IReadOnlyList<ResolvedColumn> Columns,
    string? PrimaryKey,
    PrivacySettings Privacy,
    long Seed,
    int Ordinal,
    long? Rows = null);
