using EtlStudio.Core.Maintenance;
using Quartz;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>Removes expired roles and grants and expires stale requests; one pass at a time in the whole cluster.</summary>
[DisallowConcurrentExecution]
internal sealed class AccessExpiryJob(ExpiryMaintenance expiry) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await expiry.RunOnceAsync(cancellationToken);
}
