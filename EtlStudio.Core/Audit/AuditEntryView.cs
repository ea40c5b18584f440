namespace EtlStudio.Core.Audit;

public sealed record AuditEntryView(long Id, DateTimeOffset At, Guid ActorId, string ActorLogin, string Source, string Action,
    string EntityType, string? EntityId, string Outcome, string ChangesJson, string? CorrelationId, string? ClientAddress, string Hash);
