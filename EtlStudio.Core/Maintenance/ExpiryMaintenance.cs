using EtlStudio.Core.Access;
using EtlStudio.Core.Identity;
using Microsoft.Extensions.Logging;

namespace EtlStudio.Core.Maintenance;

/// <summary>
/// Periodically removes expired role assignments and grants and expires stale access requests.
/// Each step is idempotent, so several nodes running it at once do no harm. Expired access already
/// stops working at its expiry; this keeps the lists true and tells people.
/// The recurring Hangfire job (EtlStudio.Jobs, every <c>Maintenance:ExpiryInterval</c>) calls <see cref="RunOnceAsync"/>;
/// it used to be a timer loop of its own on every node.
/// </summary>
public sealed partial class ExpiryMaintenance(UserService users, AccessRequestService access, ILogger<ExpiryMaintenance> logger)
{
    /// <summary>One pass; also what the recurring job calls.</summary>
    public async Task<(int Roles, int Grants, int Requests)> RunOnceAsync(CancellationToken ct)
    {
        var roles = await users.ExpireRoleAssignmentsAsync(ct);
        var grants = await access.ExpireGrantsAsync(ct);
        var requests = await access.ExpireStaleRequestsAsync(ct);
        if (roles + grants + requests > 0) LogExpired(roles, grants, requests);
        return (roles, grants, requests);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Expired {Roles} role assignments, {Grants} grants and {Requests} access requests")]
    private partial void LogExpired(int roles, int grants, int requests);
}
