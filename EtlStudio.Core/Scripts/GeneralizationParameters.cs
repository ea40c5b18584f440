namespace EtlStudio.Core.Scripts;

/// <summary>
/// Exactly one form: numbers to intervals of <see cref="Width"/> (<c>30-39</c>), dates truncated, strings kept to
/// <see cref="PrefixLength"/> characters with the rest masked (<c>123**</c>), or values mapped to <see cref="Groups"/>.
/// </summary>
public sealed record GeneralizationParameters(double? Width, DateTruncation? Truncate, int? PrefixLength, IReadOnlyDictionary<string, string>? Groups)
    : AnonymizationParameters;
