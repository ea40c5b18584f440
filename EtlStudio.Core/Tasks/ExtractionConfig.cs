namespace EtlStudio.Core.Tasks;

/// <summary>An extraction script bound to its source connection; higher priority wins under SourcePriority.</summary>
public sealed record ExtractionConfig(Guid ScriptId, Guid ConnectionId, int Priority);
