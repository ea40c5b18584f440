using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Notifications;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Access;

/// <summary>
/// Access to external data modules (use cases Get and Approve External Datamodule Access):
/// request with a reason, any owner decides, both sides are notified, grants expire and can be revoked.
/// </summary>
public sealed class AccessRequestService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, NotificationService notifications,
    TimeProvider time, IOptions<AccessOptions> options)
{
    public async Task<Guid> RequestAsync(Actor actor, Guid connectionId, AccessType access, string reason, int? wishedDays, CancellationToken ct = default)
    {
        var problems = new List<ValidationProblem>();
        if (access is not (AccessType.Read or AccessType.Write)) problems.Add(new("access", "Ask for READ or WRITE; owners are named by other owners."));
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 3) problems.Add(new("reason", "Say why you need the access (at least a few words)."));
        else if (reason.Length > 2000) problems.Add(new("reason", "The reason is limited to 2000 characters."));
        if (wishedDays is <= 0 or > 3650) problems.Add(new("wishedDays", "The duration is 1 to 3650 days, or empty for no end."));
        ValidationException.ThrowIfAny(problems);
        if (await policy.HasAccessAsync(actor, connectionId, access, ct))
            throw DomainException.Precondition($"You already have {access.ToString().ToUpperInvariant()} access to this connection.");

        var request = new AccessRequest
        {
            Id = Guid.NewGuid(), ConnectionId = connectionId, RequesterId = actor.UserId, Access = access, Reason = reason.Trim(),
            WishedDays = wishedDays, Status = AccessRequestStatus.Pending, CreatedAt = time.GetUtcNow(),
        };
        var owners = new List<Guid>();
        await scope.RunAsync(async db =>
        {
            var name = await db.Connections.Where(c => c.Id == connectionId).Select(c => c.Name).FirstOrDefaultAsync(ct)
                       ?? throw DomainException.NotFound("Connection", connectionId);
            db.AccessRequests.Add(request);
            owners = await ActiveOwnersAsync(db, connectionId, ct);
            foreach (var owner in owners.Where(o => o != actor.UserId))
                notifications.Add(db, owner, $"{actor.Login} asks for {access.ToString().ToUpperInvariant()} on {name}", request.Reason, "/approvals");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "access.request", "AccessRequest", request.Id, new AuditChanges()
                .Created("connection", connectionId).Created("access", access.ToString()).Created("reason", request.Reason).Created("wishedDays", wishedDays), ct);
        }, ct);
        notifications.Publish(owners);
        return request.Id;
    }

    /// <summary>An owner approves (optionally until a date) or denies a pending request, a denial with its reason; nobody decides their own.</summary>
    public async Task DecideAsync(Actor actor, Guid requestId, bool approve, string? comment, DateTimeOffset? grantExpiresAt = null, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        if (grantExpiresAt is { } until && until <= now) throw new ValidationException("expiresAt", "The access must end in the future.");
        var request = await scope.ReadAsync(db => db.AccessRequests.FirstOrDefaultAsync(r => r.Id == requestId, ct), ct)
                      ?? throw DomainException.NotFound("Access request", requestId);
        var action = approve ? "access.approve" : "access.deny";
        if (!await policy.HasAccessAsync(actor, request.ConnectionId, AccessType.Owner, ct))
            await policy.DenyAsync(actor, action, "AccessRequest", requestId, "Only an owner of the connection can decide access requests.", ct);
        if (request.RequesterId == actor.UserId)
            await policy.DenyAsync(actor, action, "AccessRequest", requestId, "You cannot decide your own access request; another owner must.", ct);

        await scope.RunAsync(async db =>
        {
            var r = await db.AccessRequests.FirstAsync(x => x.Id == requestId, ct);
            if (r.Status != AccessRequestStatus.Pending)
                throw DomainException.Precondition($"This request was already {r.Status.ToString().ToLowerInvariant()}.");
            // The requester is told why, so they know what to change before asking again.
            if (!approve && string.IsNullOrWhiteSpace(comment))
                throw new ValidationException("comment", "Say why the request is denied; the requester sees the reason.");
            if (comment?.Length > 2000) throw new ValidationException("comment", "The comment is limited to 2000 characters.");
            var name = await db.Connections.Where(c => c.Id == r.ConnectionId).Select(c => c.Name).FirstAsync(ct);
            r.Status = approve ? AccessRequestStatus.Approved : AccessRequestStatus.Denied;
            r.DecidedBy = actor.UserId;
            r.DecidedAt = now;
            r.DecisionComment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
            if (approve)
            {
                r.GrantExpiresAt = grantExpiresAt ?? (r.WishedDays is { } days ? now.AddDays(days) : null);
                var existing = await db.ConnectionGrants.FirstOrDefaultAsync(g => g.ConnectionId == r.ConnectionId && g.UserId == r.RequesterId && g.Access == r.Access, ct);
                if (existing is null)
                    db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = r.ConnectionId, UserId = r.RequesterId, Access = r.Access, GrantedBy = actor.UserId, GrantedAt = now, ExpiresAt = r.GrantExpiresAt });
                else
                {
                    existing.ExpiresAt = r.GrantExpiresAt;
                    existing.GrantedAt = now;
                    existing.GrantedBy = actor.UserId;
                }
            }
            var until2 = r.GrantExpiresAt is { } u ? $" until {u:yyyy-MM-dd}" : "";
            notifications.Add(db, r.RequesterId,
                approve ? $"{r.Access.ToString().ToUpperInvariant()} access to {name} approved{until2}" : $"{r.Access.ToString().ToUpperInvariant()} access to {name} denied",
                r.DecisionComment ?? (approve ? $"Approved by {actor.Login}." : $"Denied by {actor.Login}."), "/connections");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, action, "AccessRequest", r.Id, new AuditChanges()
                .Field("status", nameof(AccessRequestStatus.Pending), r.Status.ToString()).Created("comment", r.DecisionComment)
                .Created("grantExpiresAt", r.GrantExpiresAt), ct);
        }, ct);
        policy.Invalidate(request.RequesterId);
        notifications.Publish(request.RequesterId);
    }

    public async Task<Paged<AccessRequestView>> ListAsync(Actor actor, AccessRequestFilter filter, PageRequest page, CancellationToken ct = default)
    {
        var admin = await policy.IsAdminAsync(actor, ct);
        if (filter.Scope == AccessRequestScope.All && !admin)
            await policy.DenyAsync(actor, "access.list", "AccessRequest", null, "Only administrators can list every access request.", ct);
        var now = time.GetUtcNow();
        return await scope.ReadAsync(async db =>
        {
            var owned = db.ConnectionGrants.Where(g => g.UserId == actor.UserId && g.Access == AccessType.Owner && (g.ExpiresAt == null || g.ExpiresAt > now)).Select(g => g.ConnectionId);
            var q = db.AccessRequests.AsQueryable();
            q = filter.Scope switch
            {
                AccessRequestScope.AwaitingMyDecision => q.Where(r => r.Status == AccessRequestStatus.Pending && r.RequesterId != actor.UserId && owned.Contains(r.ConnectionId)),
                AccessRequestScope.DecidedByMe => q.Where(r => r.DecidedBy == actor.UserId),
                AccessRequestScope.Mine => q.Where(r => r.RequesterId == actor.UserId),
                _ => q,
            };
            if (filter.Status is { } s) q = q.Where(r => r.Status == s);
            if (filter.ConnectionId is { } only) q = q.Where(r => r.ConnectionId == only);
            var total = await q.LongCountAsync(ct);
            var ownedIds = await owned.ToListAsync(ct);
            var rows = await (from r in q
                              join c in db.Connections on r.ConnectionId equals c.Id
                              join u in db.Users on r.RequesterId equals u.Id
                              join d in db.Users on r.DecidedBy equals d.Id into decided
                              from d in decided.DefaultIfEmpty()
                              orderby r.CreatedAt descending
                              select new { r, c.Name, u.Login, u.DisplayName, Decider = d == null ? null : d.Login })
                .Skip(page.Skip).Take(page.SafeSize).ToListAsync(ct);
            var items = rows.Select(x => new AccessRequestView(x.r.Id, x.r.ConnectionId, x.Name, x.r.RequesterId, x.Login, x.DisplayName, x.r.Access,
                x.r.Reason, x.r.WishedDays, x.r.Status, x.r.CreatedAt, x.Decider, x.r.DecidedAt, x.r.DecisionComment, x.r.GrantExpiresAt,
                x.r.Status == AccessRequestStatus.Pending && x.r.RequesterId != actor.UserId && ownedIds.Contains(x.r.ConnectionId))).ToList();
            return new Paged<AccessRequestView>(items, total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>Withdraws a grant: an owner of the connection, an administrator, or the holder themself.</summary>
    public async Task RevokeGrantAsync(Actor actor, Guid grantId, CancellationToken ct = default)
    {
        var grant = await scope.ReadAsync(db => db.ConnectionGrants.FirstOrDefaultAsync(g => g.Id == grantId, ct), ct)
                    ?? throw DomainException.NotFound("Access grant", grantId);
        var allowed = grant.UserId == actor.UserId || await policy.HasAccessAsync(actor, grant.ConnectionId, AccessType.Owner, ct) || await policy.IsAdminAsync(actor, ct);
        if (!allowed) await policy.DenyAsync(actor, "access.revoke", "ConnectionGrant", grantId, "Only an owner of the connection or an administrator can revoke access.", ct);
        await scope.RunAsync(async db =>
        {
            var g = await db.ConnectionGrants.FirstAsync(x => x.Id == grantId, ct);
            if (g.Access == AccessType.Owner && await db.ConnectionGrants.CountAsync(x => x.ConnectionId == g.ConnectionId && x.Access == AccessType.Owner, ct) == 1)
                throw DomainException.Precondition("This is the connection's last owner; name another owner first.");
            db.ConnectionGrants.Remove(g);
            if (g.UserId != actor.UserId)
                notifications.Add(db, g.UserId, $"{g.Access.ToString().ToUpperInvariant()} access revoked", $"{actor.Login} revoked your access.", "/connections");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "access.revoke", "ConnectionGrant", g.Id, new AuditChanges()
                .Field("access", g.Access.ToString(), null).Note("connection", g.ConnectionId).Note("user", g.UserId), ct);
        }, ct);
        policy.Invalidate(grant.UserId);
        notifications.Publish(grant.UserId);
    }

    /// <summary>Revokes the caller-visible grants of <paramref name="userId"/> on a connection (seed RemoveAccess).</summary>
    public async Task<int> RevokeAsync(Actor actor, Guid userId, Guid connectionId, IReadOnlyCollection<AccessType> accessTypes, CancellationToken ct = default)
    {
        var ids = await scope.ReadAsync(db => db.ConnectionGrants
            .Where(g => g.UserId == userId && g.ConnectionId == connectionId && accessTypes.Contains(g.Access)).Select(g => g.Id).ToListAsync(ct), ct);
        if (ids.Count == 0) throw DomainException.NotFound("Access grant", $"{userId} on {connectionId}");
        foreach (var id in ids) await RevokeGrantAsync(actor, id, ct);
        return ids.Count;
    }

    /// <summary>Who holds which access to a connection; owners and administrators may look.</summary>
    public async Task<IReadOnlyList<Identity.GrantHolderView>> ListGrantsAsync(Actor actor, Guid connectionId, CancellationToken ct = default)
    {
        if (!await policy.HasAccessAsync(actor, connectionId, AccessType.Owner, ct) && !await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "access.grants.list", "Connection", connectionId, "Only owners and administrators can see who has access.", ct);
        var now = time.GetUtcNow();
        return await scope.ReadAsync<IReadOnlyList<Identity.GrantHolderView>>(async db => await (
            from g in db.ConnectionGrants
            join u in db.Users on g.UserId equals u.Id
            where g.ConnectionId == connectionId && (g.ExpiresAt == null || g.ExpiresAt > now)
            orderby u.Login, g.Access
            select new Identity.GrantHolderView(g.Id, g.UserId, u.Login, g.Access, g.GrantedAt, g.ExpiresAt)).ToListAsync(ct), ct);
    }

    /// <summary>Recurring job: expired grants are deleted (they already stopped working at their expiry).</summary>
    public async Task<int> ExpireGrantsAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var actor = Actor.System();
        var expired = await scope.ReadAsync(db => db.ConnectionGrants.Where(g => g.ExpiresAt != null && g.ExpiresAt <= now).ToListAsync(ct), ct);
        foreach (var g in expired)
        {
            await scope.RunAsync(async db =>
            {
                await db.ConnectionGrants.Where(x => x.Id == g.Id).ExecuteDeleteAsync(ct);
                notifications.Add(db, g.UserId, $"{g.Access.ToString().ToUpperInvariant()} access expired", "Your access to a connection reached its end date.", "/connections");
                await audit.RecordAsync(db, actor, "access.expire", "ConnectionGrant", g.Id, new AuditChanges()
                    .Field("access", g.Access.ToString(), null).Note("connection", g.ConnectionId).Note("user", g.UserId).Note("expiredAt", g.ExpiresAt), ct);
            }, ct);
            policy.Invalidate(g.UserId);
        }
        return expired.Count;
    }

    /// <summary>Recurring job: pending requests older than the configured period expire and the requester is told.</summary>
    public async Task<int> ExpireStaleRequestsAsync(CancellationToken ct = default)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.PendingRequestDays);
        var actor = Actor.System();
        var stale = await scope.ReadAsync(db => db.AccessRequests.Where(r => r.Status == AccessRequestStatus.Pending && r.CreatedAt <= cutoff).ToListAsync(ct), ct);
        foreach (var r in stale)
        {
            await scope.RunAsync(async db =>
            {
                var updated = await db.AccessRequests.Where(x => x.Id == r.Id && x.Status == AccessRequestStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, AccessRequestStatus.Expired), ct);
                if (updated == 0) return;
                notifications.Add(db, r.RequesterId, "Access request expired", $"No owner decided within {options.Value.PendingRequestDays} days. You can ask again.", "/connections");
                await audit.RecordAsync(db, actor, "access.request.expire", "AccessRequest", r.Id,
                    new AuditChanges().Field("status", nameof(AccessRequestStatus.Pending), nameof(AccessRequestStatus.Expired)), ct);
            }, ct);
        }
        return stale.Count;
    }

    private static Task<List<Guid>> ActiveOwnersAsync(EtlStudioDbContext db, Guid connectionId, CancellationToken ct) =>
        db.ConnectionGrants.Where(g => g.ConnectionId == connectionId && g.Access == AccessType.Owner).Select(g => g.UserId).ToListAsync(ct);
}
