using EtlStudio.Core.Runs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EtlStudio.Jobs.Runs;

/// <summary>Uploads one run's outbox; like <see cref="PipelineRunJob"/>, one at a time per run and recovered after a crash.</summary>
[DisallowConcurrentExecution]
internal sealed class UploadJob(IServiceScopeFactory scopes) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var runId = RunJobKeys.RunIdOf(context.JobDetail.Key)
            ?? throw new JobExecutionException($"Job {context.JobDetail.Key} names no run.");
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IUploadExecutor>().ExecuteAsync(runId, cancellationToken);
    }
}
