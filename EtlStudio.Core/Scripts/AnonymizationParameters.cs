using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlStudio.Core.Scripts;

/// <summary>
/// The typed parameters of an anonymization method, read from the name → text map scripts store.
/// Names: Generalization <c>width</c> | <c>truncate</c> (year, month, day) | <c>prefix</c> | <c>groups</c> (JSON object);
/// Suppression <c>replacement</c> (default <c>*</c>), <c>asNull</c>, <c>k</c>; Anatomization <c>l</c>;
/// Permutation <c>withinGroups</c>; Perturbation <c>distribution</c> (laplace, gaussian) + <c>scale</c>, or <c>days</c>.
/// </summary>
// Polymorphic so a run's snapshot of its task (ResolvedTask as JSON) reads back into the right records.
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$method")]
[JsonDerivedType(typeof(GeneralizationParameters), "Generalization")]
[JsonDerivedType(typeof(SuppressionParameters), "Suppression")]
[JsonDerivedType(typeof(AnatomizationParameters), "Anatomization")]
[JsonDerivedType(typeof(PermutationParameters), "Permutation")]
[JsonDerivedType(typeof(PerturbationParameters), "Perturbation")]
public abstract record AnonymizationParameters
{
    /// <summary>Parameter names each method accepts; any other name is a typo the validator reports.</summary>
    public static IReadOnlyDictionary<AnonymizationMethod, string[]> Names { get; } = new Dictionary<AnonymizationMethod, string[]>
    {
        [AnonymizationMethod.Generalization] = ["width", "truncate", "prefix", "groups"],
        [AnonymizationMethod.Suppression] = ["replacement", "asNull", "k"],
        [AnonymizationMethod.Anatomization] = ["l"],
        [AnonymizationMethod.Permutation] = ["withinGroups"],
        [AnonymizationMethod.Perturbation] = ["distribution", "scale", "days"],
    };

    /// <summary>Reads validated settings into the record of their method.</summary>
    public static AnonymizationParameters Read(AnonymizationSettings s)
    {
        var q = s.Parameters;
        string? Get(string key) => q.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        int? Int(string key) => Get(key) is { } v ? int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
        double? Double(string key) => Get(key) is { } v ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
        bool Bool(string key) => Get(key) is { } v && bool.Parse(v);
        return s.Method switch
        {
            AnonymizationMethod.Generalization => new GeneralizationParameters(Double("width"),
                Get("truncate") is { } t ? Enum.Parse<DateTruncation>(t, ignoreCase: true) : null, Int("prefix"),
                Get("groups") is { } g ? JsonSerializer.Deserialize<Dictionary<string, string>>(g) : null),
            AnonymizationMethod.Suppression => new SuppressionParameters(Bool("asNull") ? null : q.GetValueOrDefault("replacement") ?? "*", Int("k")),
            AnonymizationMethod.Anatomization => new AnatomizationParameters(Int("l") ?? 2),
            AnonymizationMethod.Permutation => new PermutationParameters(Bool("withinGroups")),
            AnonymizationMethod.Perturbation => new PerturbationParameters(
                Get("distribution") is { } d ? Enum.Parse<NoiseDistribution>(d, ignoreCase: true) : null, Double("scale"), Int("days")),
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.Method, "Unknown anonymization method."),
        };
    }
}
