namespace EtlStudio.Core.Privacy;

/// <summary>
/// What anonymizing one column cost. Generalized: <see cref="InformationLoss"/>, the normalized certainty penalty (the
/// average over non-null published values of interval width, or masked share, over the column's range; 0 = exact,
/// 1 = nothing left). Perturbed numbers: mean and standard deviation before the noise and as published. Permuted: the
/// column's values are all still there (nothing lost in the column itself); <see cref="MovedShare"/> is the share of
/// records whose value moved to another record. <see cref="Note"/> says in one line what the figures mean.
/// </summary>
public sealed record ColumnUtility(
    string Column,
    string Method,
    double? InformationLoss = null,
    double? MeanBefore = null,
    double? MeanAfter = null,
    double? StdDevBefore = null,
    double? StdDevAfter = null,
    double? MovedShare = null,
    string Note = "")
{
    public double? MeanShift => MeanAfter - MeanBefore;
    public double? StdDevShift => StdDevAfter - StdDevBefore;
}
