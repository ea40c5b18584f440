using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Tests.Scripts;

public sealed class AnonymizationParametersTests
{
    private static AnonymizationSettings S(AnonymizationMethod m, params string[] kv) => new(m, kv.Chunk(2).ToDictionary(x => x[0], x => x[1]));

    public static TheoryData<string, AnonymizationSettings, AnonymizationParameters> Cases() => new()
    {
        { "interval width", S(AnonymizationMethod.Generalization, "width", "10"), new GeneralizationParameters(10, null, null, null) },
        { "date truncation", S(AnonymizationMethod.Generalization, "truncate", "Month"), new GeneralizationParameters(null, DateTruncation.Month, null, null) },
        { "prefix", S(AnonymizationMethod.Generalization, "prefix", "3"), new GeneralizationParameters(null, null, 3, null) },
        { "suppression default", S(AnonymizationMethod.Suppression), new SuppressionParameters("*", null) },
        { "suppression to null with k", S(AnonymizationMethod.Suppression, "asNull", "true", "k", "5"), new SuppressionParameters(null, 5) },
        { "anatomization", S(AnonymizationMethod.Anatomization, "l", "3"), new AnatomizationParameters(3) },
        { "permutation", S(AnonymizationMethod.Permutation), new PermutationParameters(false) },
        { "laplace noise", S(AnonymizationMethod.Perturbation, "distribution", "laplace", "scale", "0.5"), new PerturbationParameters(NoiseDistribution.Laplace, 0.5, null) },
        { "date shift", S(AnonymizationMethod.Perturbation, "days", "14"), new PerturbationParameters(null, null, 14) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stored_parameters_read_into_the_typed_record_of_their_method(string because, AnonymizationSettings settings, AnonymizationParameters expected)
    {
        Assert.Empty(ScriptValidator.Validate(new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: settings)));
        Assert.True(expected.Equals(settings.Typed()), because);
    }

    [Fact]
    public void A_value_to_group_map_reads_into_a_dictionary()
    {
        var typed = (GeneralizationParameters)S(AnonymizationMethod.Generalization, "groups", "{\"Berlin\": \"DE\"}").Typed();
        Assert.Equal("DE", typed.Groups!["Berlin"]);
    }
}
