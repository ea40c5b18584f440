namespace EtlStudio.Core.Scripts;

/// <summary>The five anonymization operations (seed <c>AnonymizationRuleType</c>, with Perturbation = 4).</summary>
public enum AnonymizationMethod
{
    Generalization,
    Suppression,
    Anatomization,
    Permutation,
    Perturbation,
}
