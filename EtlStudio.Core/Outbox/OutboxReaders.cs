using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;

namespace EtlStudio.Core.Outbox;

/// <summary>Who may look at prepared data: data managers, task managers and admins.</summary>
internal static class OutboxReaders
{
    /// <summary>Whether the caller may view prepared data; asks only, audits nothing (for pages deciding what to show).</summary>
    public static async Task<bool> MayReadAsync(AccessPolicy policy, Actor actor, CancellationToken ct)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        return p.HasRole(UserRole.ManageData, policy.Now) || p.HasRole(UserRole.ProcessEtlTask, policy.Now) || p.IsAdmin(policy.Now);
    }

    public static async Task DemandAsync(AccessPolicy policy, Actor actor, string action, object? entityId, CancellationToken ct)
    {
        if (await MayReadAsync(policy, actor, ct)) return;
        await policy.DenyAsync(actor, action, "Outbox", entityId, "Viewing prepared data needs the MANAGE_DATA or PROCESS_ETL_TASK role.", ct);
    }
}
