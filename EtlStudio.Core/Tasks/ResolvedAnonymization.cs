using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>An anonymization script's method and typed parameters (one of the <see cref="AnonymizationParameters"/> records).</summary>
public sealed record ResolvedAnonymization(Guid ScriptId, AnonymizationMethod Method, AnonymizationParameters Parameters);
