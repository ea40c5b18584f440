using EtlStudio.Core.Runs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EtlStudio.Jobs.Runs;

/// <summary>
/// Runs (or resumes) one pipeline run. Non-concurrent per job key, and so per run, across the whole cluster; a node
/// that dies mid-run leaves the firing to be recovered by another node, and the executor resumes after the last step.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class PipelineRunJob(IServiceScopeFactory scopes) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var runId = RunJobKeys.RunIdOf(context.JobDetail.Key)
            ?? throw new JobExecutionException($"Job {context.JobDetail.Key} names no run.");
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPipelineRunExecutor>().ExecuteAsync(runId, cancellationToken);
    }
}
