using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace EtlStudio.Core.Identity;

/// <summary>
/// The one place that decides who may do what. Every refusal is audited before it is thrown.
/// Permissions are cached briefly per user and dropped on every change to that user's roles or grants.
/// </summary>
public sealed class AccessPolicy(IDbContextFactory<EtlStudioDbContext> contexts, IMemoryCache cache, TimeProvider time, AuditTrail audit)
{
    // Short, so a change made on another node reaches this one quickly.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task<UserPermissions> GetAsync(Guid userId, CancellationToken ct = default)
    {
        if (cache.TryGetValue(new Key(userId), out UserPermissions? cached) && cached is not null) return cached;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var active = await db.Users.Where(u => u.Id == userId).Select(u => (bool?)u.IsActive).FirstOrDefaultAsync(ct) ?? false;
        var roles = await db.RoleAssignments.Where(r => r.UserId == userId).Select(r => new { r.Role, r.ExpiresAt }).ToListAsync(ct);
        var grants = await db.ConnectionGrants.Where(g => g.UserId == userId).Select(g => new { g.ConnectionId, g.Access, g.ExpiresAt }).ToListAsync(ct);
        var permissions = new UserPermissions(userId, active,
            roles.Select(r => (r.Role, r.ExpiresAt)).ToList(),
            grants.Select(g => (g.ConnectionId, g.Access, g.ExpiresAt)).ToList());
        cache.Set(new Key(userId), permissions, CacheFor);
        return permissions;
    }

    public void Invalidate(Guid userId) => cache.Remove(new Key(userId));

    public async Task<bool> HasRoleAsync(Actor actor, UserRole role, CancellationToken ct = default) =>
        (await GetAsync(actor.UserId, ct)).HasRole(role, Now);

    public async Task<bool> IsAdminAsync(Actor actor, CancellationToken ct = default) =>
        (await GetAsync(actor.UserId, ct)).IsAdmin(Now);

    public async Task<bool> HasAccessAsync(Actor actor, Guid connectionId, AccessType access, CancellationToken ct = default) =>
        (await GetAsync(actor.UserId, ct)).HasAccess(connectionId, access, Now);

    /// <summary>Throws PermissionDenied (and audits the attempt) unless the actor holds <paramref name="role"/>.</summary>
    public async Task DemandRoleAsync(Actor actor, UserRole role, string action, string entityType, object? entityId = null, CancellationToken ct = default)
    {
        if (await HasRoleAsync(actor, role, ct)) return;
        await DenyAsync(actor, action, entityType, entityId, $"This needs the {role.ToName()} role ({role.Describe()}).", ct);
    }

    /// <summary>Throws PermissionDenied (and audits the attempt) unless the actor holds <paramref name="access"/> on the connection.</summary>
    public async Task DemandAccessAsync(Actor actor, Guid connectionId, AccessType access, string action, string entityType, object? entityId = null, CancellationToken ct = default)
    {
        if (await HasAccessAsync(actor, connectionId, access, ct)) return;
        await DenyAsync(actor, action, entityType, entityId ?? connectionId,
            $"This needs {access.ToString().ToUpperInvariant()} access to connection {connectionId}.", ct);
    }

    /// <summary>Audits a refused attempt and throws.</summary>
    public async Task DenyAsync(Actor actor, string action, string entityType, object? entityId, string reason, CancellationToken ct = default)
    {
        await audit.RecordDeniedAsync(actor, action, entityType, entityId, reason, ct);
        throw DomainException.Denied(reason);
    }

    /// <summary>A user's entry in the shared memory cache: a type of its own, so no other cache's key can equal it, and no string to build per lookup.</summary>
    private readonly record struct Key(Guid UserId);
}
