using System.Globalization;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// One threshold of the policy checked on one table (and sensitive column): the value the outbox reaches and the limit.
/// A minimum is met by a value at or above it, a maximum by one at or below it; a value that cannot be measured (an
/// empty table) meets it.
/// </summary>
public sealed record PolicyCheck(string Table, string Threshold, string? Column, double? Value, double Limit, bool IsMinimum)
{
    public bool Passed => Value is not { } v || (IsMinimum ? v >= Limit : v <= Limit);

    /// <summary>One line naming the threshold, its value and its limit, e.g. <c>people: k = 1 is below the minimum 3</c>.</summary>
    public string Describe()
    {
        var what = Column is null ? $"{Table}: {Threshold}" : $"{Table}.{Column}: {Threshold}";
        var value = Value is { } v ? Format(v) : "not measured";
        return Passed
            ? $"{what} = {value} meets the {(IsMinimum ? "minimum" : "maximum")} {Format(Limit)}"
            : $"{what} = {value} is {(IsMinimum ? "below the minimum" : "above the maximum")} {Format(Limit)}";
    }

    // Six decimals: enough that a value just above its limit never reads as equal to it.
    private static string Format(double v) => Math.Round(v, 6).ToString("0.######", CultureInfo.InvariantCulture);
}
