namespace EtlStudio.Core.Scripts;

/// <summary>The noise a perturbation adds to numbers.</summary>
public enum NoiseDistribution
{
    Laplace,
    Gaussian,
}
