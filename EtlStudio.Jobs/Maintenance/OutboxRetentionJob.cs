using EtlStudio.Core.Maintenance;
using Quartz;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>Deletes outboxes past their retention; one pass at a time in the whole cluster.</summary>
[DisallowConcurrentExecution]
internal sealed class OutboxRetentionJob(OutboxRetention retention) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await retention.RunOnceAsync(cancellationToken);
}
