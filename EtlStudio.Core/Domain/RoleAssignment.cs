namespace EtlStudio.Core.Domain;

/// <summary>A role held by a user, optionally until <see cref="ExpiresAt"/> (seed 004).</summary>
public sealed class RoleAssignment
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public UserRole Role { get; set; }
    public Guid? AssignedBy { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;
}
