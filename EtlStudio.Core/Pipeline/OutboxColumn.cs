using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline;

/// <summary>A typed column of an outbox table.</summary>
public sealed record OutboxColumn(string Name, FieldType Type);
