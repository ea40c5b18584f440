namespace EtlStudio.Core.Domain;

/// <summary>A user's access to one connection; owners hold <see cref="AccessType.Owner"/>.</summary>
public sealed class ConnectionGrant
{
    public Guid Id { get; set; }
    public Guid ConnectionId { get; set; }
    public Guid UserId { get; set; }
    public AccessType Access { get; set; }
    public Guid? GrantedBy { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;
}
