using EtlStudio.Core.Runs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EtlStudio.Core.Demo;

/// <summary>
/// A queue that does the work before it returns, with the executors and locks a worker uses: the demo seed runs and
/// uploads its S3 task while the node starts, before any worker (or page) is up.
/// </summary>
internal sealed class DemoRunQueue(IServiceProvider services, NpgsqlDataSource dataSource) : IRunQueue
{
    public async Task EnqueueRunAsync(Guid runId, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPipelineRunExecutor>().ExecuteAsync(runId, ct);
    }

    public async Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default)
    {
        await using var held = await RunLock.TryTakeAsync(dataSource, RunLock.UploadKey(runId), ct) ?? throw new RunBusyException(runId, "upload");
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IUploadExecutor>().ExecuteAsync(runId, ct);
    }
}
