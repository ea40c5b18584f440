namespace EtlStudio.Core.Domain;

/// <summary>A user's request for READ or WRITE on a connection, decided by any of its owners.</summary>
public sealed class AccessRequest
{
    public Guid Id { get; set; }
    public Guid ConnectionId { get; set; }
    public Guid RequesterId { get; set; }
    public AccessType Access { get; set; }
    public required string Reason { get; set; }
    /// <summary>How long the requester would like the access for; null means without end.</summary>
    public int? WishedDays { get; set; }
    public AccessRequestStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionComment { get; set; }
    public DateTimeOffset? GrantExpiresAt { get; set; }
}
