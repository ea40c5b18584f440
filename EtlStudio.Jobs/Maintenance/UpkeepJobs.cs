using EtlStudio.Core.Maintenance;
using EtlStudio.Jobs.Hosting;
using Hangfire;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>
/// The recurring upkeep jobs. Each pass is idempotent; one at a time in the whole cluster keeps two nodes (or a manual
/// trigger beside the schedule) from doing the same pass twice at once.
/// </summary>
public sealed class UpkeepJobs(ExpiryMaintenance expiry, OutboxRetention retention)
{
    public const string AccessExpiry = "access-expiry";
    public const string OutboxRetention = "outbox-retention";

    [Queue(JobQueues.Upkeep)]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [JobDisplayName("Access expiry")]
    public Task ExpireAccessAsync(CancellationToken cancellationToken) => expiry.RunOnceAsync(cancellationToken);

    [Queue(JobQueues.Upkeep)]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [JobDisplayName("Outbox retention")]
    public Task DeleteExpiredOutboxesAsync(CancellationToken cancellationToken) => retention.RunOnceAsync(cancellationToken);
}
