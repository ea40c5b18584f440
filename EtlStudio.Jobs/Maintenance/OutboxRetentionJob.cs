using EtlStudio.Core.Maintenance;
using Quartz;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>Deletes outboxes past their retention, then the run jobs nothing can need any more; one pass at a time in the cluster.</summary>
[DisallowConcurrentExecution]
internal sealed class OutboxRetentionJob(OutboxRetention retention, FinishedJobCleanup cleanup) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await retention.RunOnceAsync(cancellationToken);
        await cleanup.RunOnceAsync(cancellationToken);
    }
}
