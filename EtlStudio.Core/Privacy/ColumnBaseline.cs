namespace EtlStudio.Core.Privacy;

/// <summary>
/// A column as it entered the anonymization, measured by the run because the anonymization overwrites it: for numbers
/// the count, range, mean and (population) standard deviation of the non-null values; for a permuted column how many
/// records ended up with another value than they came with. Dates and timestamps measure their range in days since
/// 1970-01-01; a column generalized by a value→group map counts its distinct values (<paramref name="Distinct"/>).
/// </summary>
public sealed record ColumnBaseline(string Column, long Count, double? Min, double? Max, double? Mean, double? StdDev, long? Moved = null, long? Distinct = null);
