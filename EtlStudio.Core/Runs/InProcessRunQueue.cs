using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlStudio.Core.Runs;

/// <summary>
/// Runs work on this process's thread pool: the queue used wherever Hangfire (EtlStudio.Jobs) is not wired.
/// Work in flight is lost with the process; resuming the run picks it up after its last finished step.
/// </summary>
internal sealed partial class InProcessRunQueue(IServiceProvider services, ILogger<InProcessRunQueue> logger, IHostApplicationLifetime? lifetime = null) : IRunQueue
{
    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default) =>
        Start(runId, (sp, token) => sp.GetRequiredService<IPipelineRunExecutor>().ExecuteAsync(runId, token));

    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default) =>
        Start(runId, (sp, token) => sp.GetRequiredService<IUploadExecutor>().ExecuteAsync(runId, token));

    private Task Start(Guid runId, Func<IServiceProvider, CancellationToken, Task> work)
    {
        var stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        _ = Task.Run(async () =>
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                await work(scope.ServiceProvider, stopping);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested) { LogFailed(ex, runId); }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 7010, Level = LogLevel.Error, Message = "Background work for run {RunId} failed.")]
    private partial void LogFailed(Exception ex, Guid runId);
}
