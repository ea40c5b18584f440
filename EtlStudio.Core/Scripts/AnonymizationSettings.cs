namespace EtlStudio.Core.Scripts;

/// <summary>
/// An anonymization rule: the method and its parameters as name → text, the form the seed contract and the
/// editor carry. <see cref="Typed"/> reads them into the typed record of the method (docs/architecture.md#anonymization).
/// </summary>
public sealed record AnonymizationSettings(AnonymizationMethod Method, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The parameters as the typed record of <see cref="Method"/>; call only on validated settings.</summary>
    public AnonymizationParameters Typed() => AnonymizationParameters.Read(this);
}
