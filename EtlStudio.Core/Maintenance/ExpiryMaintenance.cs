using EtlStudio.Core.Access;
using EtlStudio.Core.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Maintenance;

/// <summary>
/// Periodically removes expired role assignments and grants and expires stale access requests.
/// Each step is idempotent, so several nodes running it at once do no harm. Expired access already
/// stops working at its expiry; this keeps the lists true and tells people.
/// </summary>
public sealed partial class ExpiryMaintenance(UserService users, AccessRequestService access, IOptions<MaintenanceOptions> options,
    ILogger<ExpiryMaintenance> logger) : BackgroundService
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ExpiryInterval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed pass (database restarting, say) is retried at the next tick.
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Expired {Roles} role assignments, {Grants} grants and {Requests} access requests")]
    private partial void LogExpired(int roles, int grants, int requests);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Expiry maintenance failed; retrying at the next interval")]
    private partial void LogFailed(Exception ex);
}
