using EtlStudio.Core.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Core.Demo;

/// <summary>
/// A queue that does the work before it returns, with the executors a worker uses (they take the run's locks): the demo
/// seed runs and uploads its S3 task while the node starts, before any worker (or page) is up.
/// </summary>
internal sealed class DemoRunQueue(IServiceProvider services) : IRunQueue
{
    public async Task EnqueueRunAsync(Guid runId, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPipelineRunExecutor>().ExecuteAsync(runId, ct);
    }

    public async Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IUploadExecutor>().ExecuteAsync(runId, ct);
    }
}
