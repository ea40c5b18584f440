using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Identity;

/// <summary>
/// What one user holds, with expiry times; evaluated against "now" at every check so an expired
/// role or grant stops working at once, even while cached.
/// </summary>
public sealed record UserPermissions(
    Guid UserId,
    bool IsActive,
    IReadOnlyList<(UserRole Role, DateTimeOffset? ExpiresAt)> Roles,
    IReadOnlyList<(Guid ConnectionId, AccessType Access, DateTimeOffset? ExpiresAt)> Grants)
{
    public bool HasRole(UserRole role, DateTimeOffset now) =>
        IsActive && Roles.Any(r => r.Role == role && (r.ExpiresAt is null || r.ExpiresAt > now));

    public bool IsAdmin(DateTimeOffset now) => HasRole(UserRole.Admin, now);

    /// <summary>Owners can read and write their data module; WRITE does not imply READ.</summary>
    public bool HasAccess(Guid connectionId, AccessType access, DateTimeOffset now) =>
        IsActive && Grants.Any(g => g.ConnectionId == connectionId
            && (g.ExpiresAt is null || g.ExpiresAt > now)
            && (g.Access == access || g.Access == AccessType.Owner));

    public IEnumerable<UserRole> ActiveRoles(DateTimeOffset now) =>
        IsActive ? Roles.Where(r => r.ExpiresAt is null || r.ExpiresAt > now).Select(r => r.Role) : [];
}
