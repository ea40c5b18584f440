using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>Short ways to declare the resolved columns a test table has.</summary>
public static class Columns
{
    public static ResolvedColumn Plain(string name, FieldType type, bool qi = false, bool sensitive = false) =>
        new(name, type, null, null, null, qi, sensitive);

    public static ResolvedColumn With(string name, FieldType type, AnonymizationParameters parameters, bool qi = false, bool sensitive = false,
        string? min = null, string? max = null) =>
        new(name, type, null,
            min is null && max is null ? null : new ResolvedFieldRule(Guid.NewGuid(), new FieldRuleSettings(type, FieldRuleType.IgnoreOutOfRange, null, min, max)),
            new ResolvedAnonymization(Guid.NewGuid(), MethodOf(parameters), parameters), qi, sensitive);

    private static AnonymizationMethod MethodOf(AnonymizationParameters p) => p switch
    {
        GeneralizationParameters => AnonymizationMethod.Generalization,
        SuppressionParameters => AnonymizationMethod.Suppression,
        AnatomizationParameters => AnonymizationMethod.Anatomization,
        PermutationParameters => AnonymizationMethod.Permutation,
        _ => AnonymizationMethod.Perturbation,
    };
}
