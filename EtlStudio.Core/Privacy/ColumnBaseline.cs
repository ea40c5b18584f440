namespace EtlStudio.Core.Privacy;

/// <summary>
/// A column as it entered the anonymization, measured by the run because the anonymization overwrites it: for numbers
/// the count, range, mean and (population) standard deviation of the non-null values; for a permuted column how many
/// records ended up with another value than they came with.
/// </summary>
public sealed record ColumnBaseline(string Column, long Count, double? Min, double? Max, double? Mean, double? StdDev, long? Moved = null);
