namespace EtlStudio.Core.Scripts;

/// <summary>The value replaced by <see cref="Replacement"/> (null = SQL NULL); with <see cref="K"/>, classes smaller than k are removed.</summary>
public sealed record SuppressionParameters(string? Replacement, int? K) : AnonymizationParameters;
