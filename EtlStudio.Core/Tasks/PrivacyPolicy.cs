namespace EtlStudio.Core.Tasks;

/// <summary>
/// What a run's outbox must meet before it may be uploaded (README.md, *Privacy gate*): the smallest equivalence class
/// over the quasi-identifiers, the fewest distinct values of each sensitive column in a class, the highest and the average
/// re-identification risk (prosecutor model, 1 / class size) and the share of records anonymization removed. A
/// threshold left null is not checked.
/// </summary>
public sealed record PrivacyPolicy(int? MinK, int? MinL, double? MaxHighestRisk, double? MaxAverageRisk, double? MaxRemovedShare)
{
    /// <summary>A share of removed records above which the data has probably lost what it was published for.</summary>
    public const double DefaultMaxRemovedShare = 0.1;

    /// <summary>An average risk that, beside a highest risk of 1/k, still asks most classes to be larger than k.</summary>
    public const double DefaultMaxAverageRisk = 0.1;

    public bool IsEmpty => MinK is null && MinL is null && MaxHighestRisk is null && MaxAverageRisk is null && MaxRemovedShare is null;

    /// <summary>
    /// The policy proposed for a task that declares quasi-identifiers: k as the task asks for (at least 2, else 5), the
    /// highest risk that k allows, l as asked (else 2) when there are sensitive columns, and the default average risk and
    /// removed share. Null when the task declares no quasi-identifier.
    /// </summary>
    public static PrivacyPolicy? DefaultFor(TaskConfiguration c)
    {
        var columns = c.Tables.SelectMany(t => t.Columns).ToList();
        if (!columns.Any(x => x.QuasiIdentifier)) return null;
        var k = c.Privacy.K is >= 2 ? c.Privacy.K.Value : 5;
        int? l = columns.Any(x => x.Sensitive) ? (c.Privacy.L is >= 2 ? c.Privacy.L.Value : 2) : null;
        // Rounded up: a limit rounded down below 1/k would refuse every outbox that just reaches k.
        return new PrivacyPolicy(k, l, Math.Ceiling(Math.Round(10000.0 / k, 9)) / 10000, DefaultMaxAverageRisk, DefaultMaxRemovedShare);
    }
}
