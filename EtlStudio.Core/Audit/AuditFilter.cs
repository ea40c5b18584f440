namespace EtlStudio.Core.Audit;

/// <summary>Search criteria for the audit trail; every part is optional.</summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, string? EntityType = null, string? EntityId = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Outcome = null, string? Source = null);
