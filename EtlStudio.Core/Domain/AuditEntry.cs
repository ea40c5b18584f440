namespace EtlStudio.Core.Domain;

/// <summary>One entry of the append-only, hash-chained audit trail.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid ActorId { get; set; }
    public required string ActorLogin { get; set; }
    public required string Source { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public string? EntityId { get; set; }
    public AuditOutcome Outcome { get; set; }
    /// <summary>Changed fields as <c>{"field": {"before": …, "after": …}}</c>; secrets are masked before they get here.</summary>
    public string ChangesJson { get; set; } = "{}";
    public string? CorrelationId { get; set; }
    public string? ClientAddress { get; set; }
    public required byte[] PrevHash { get; set; }
    public required byte[] Hash { get; set; }
}
