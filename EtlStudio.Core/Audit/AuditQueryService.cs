using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Audit;

/// <summary>
/// Reading the audit trail (use cases Audit and View Run History). Administrators see every entry;
/// everyone else sees the entries of their own actions.
/// </summary>
public sealed class AuditQueryService(ChangeScope scope, AccessPolicy policy)
{
    public async Task<Paged<AuditEntryView>> ListAsync(Actor actor, AuditFilter filter, PageRequest page, CancellationToken ct = default)
    {
        var admin = await policy.IsAdminAsync(actor, ct);
        return await scope.ReadAsync(async db =>
        {
            var q = db.AuditEntries.AsQueryable();
            if (!admin) q = q.Where(a => a.ActorId == actor.UserId);
            if (!string.IsNullOrWhiteSpace(filter.Actor)) q = q.Where(a => EF.Functions.ILike(a.ActorLogin, $"%{filter.Actor.Trim()}%"));
            if (!string.IsNullOrWhiteSpace(filter.Action)) q = q.Where(a => EF.Functions.ILike(a.Action, $"{filter.Action.Trim()}%"));
            if (!string.IsNullOrWhiteSpace(filter.EntityType)) q = q.Where(a => a.EntityType == filter.EntityType);
            if (!string.IsNullOrWhiteSpace(filter.EntityId)) q = q.Where(a => a.EntityId == filter.EntityId.Trim());
            if (!string.IsNullOrWhiteSpace(filter.Source)) q = q.Where(a => a.Source == filter.Source);
            if (!string.IsNullOrWhiteSpace(filter.Outcome) && Enum.TryParse<Domain.AuditOutcome>(filter.Outcome, out var outcome)) q = q.Where(a => a.Outcome == outcome);
            if (filter.From is { } from) q = q.Where(a => a.At >= from);
            if (filter.To is { } to) q = q.Where(a => a.At <= to);
            var total = await q.LongCountAsync(ct);
            var rows = await q.OrderByDescending(a => a.Id).Skip(page.Skip).Take(page.SafeSize).ToListAsync(ct);
            return new Paged<AuditEntryView>(rows.Select(ToView).ToList(), total, page.SafePage, page.SafeSize);
        }, ct);
    }

    public async Task<AuditEntryView> GetAsync(Actor actor, long id, CancellationToken ct = default)
    {
        var entry = await scope.ReadAsync(db => db.AuditEntries.FirstOrDefaultAsync(a => a.Id == id, ct), ct)
                    ?? throw DomainException.NotFound("Audit entry", id);
        if (entry.ActorId != actor.UserId && !await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "audit.read", "AuditEntry", id, "Only administrators can read other users' audit entries.", ct);
        return ToView(entry);
    }

    /// <summary>Distinct entity types and action names, for the filter lists.</summary>
    public Task<(IReadOnlyList<string> EntityTypes, IReadOnlyList<string> Actions)> FacetsAsync(CancellationToken ct = default) =>
        scope.ReadAsync<(IReadOnlyList<string>, IReadOnlyList<string>)>(async db =>
            (await db.AuditEntries.Select(a => a.EntityType).Distinct().OrderBy(x => x).ToListAsync(ct),
             await db.AuditEntries.Select(a => a.Action).Distinct().OrderBy(x => x).ToListAsync(ct)), ct);

    private static AuditEntryView ToView(Domain.AuditEntry a) => new(a.Id, a.At, a.ActorId, a.ActorLogin, a.Source, a.Action, a.EntityType,
        a.EntityId, a.Outcome.ToString(), a.ChangesJson, a.CorrelationId, a.ClientAddress, Convert.ToHexString(a.Hash)[..16]);
}
