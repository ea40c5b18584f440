using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;

namespace EtlStudio.Core.Outbox;

/// <summary>Who may look at prepared data: data managers, task managers and admins.</summary>
internal static class OutboxReaders
{
    public static async Task DemandAsync(AccessPolicy policy, Actor actor, string action, object? entityId, CancellationToken ct)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        if (p.HasRole(UserRole.ManageData, policy.Now) || p.HasRole(UserRole.ProcessEtlTask, policy.Now) || p.IsAdmin(policy.Now)) return;
        await policy.DenyAsync(actor, action, "Outbox", entityId, "Viewing prepared data needs the MANAGE_DATA or PROCESS_ETL_TASK role.", ct);
    }
}
