using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Hosting;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EtlStudio.Jobs.Runs;

/// <summary>
/// The run and upload jobs: one small method each, over Core's executors. A job that finds the run's lock held is
/// retried later (only that failure is; a run's own failure is the run's business, shown as a failed job). A node that
/// dies mid-job leaves the job to another server once its invisibility timeout passes, and the executor resumes the
/// run after its last finished step.
/// </summary>
public sealed class RunJobs(IServiceScopeFactory scopes, NpgsqlDataSource dataSource)
{
    /// <summary>Retries of a busy run: enough to outlast any execution a crash left holding the lock for a while.</summary>
    private const int BusyAttempts = 100;

    [Queue(JobQueues.Runs)]
    [AutomaticRetry(Attempts = BusyAttempts, OnlyOn = [typeof(RunBusyException)], DelaysInSeconds = [5], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Pipeline run {0}")]
    public async Task ExecuteRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<IPipelineRunExecutor>().ExecuteAsync(runId, cancellationToken);
        // A run that failed is shown as a failed job, so the dashboard lists it and its Requeue queues the run again.
        if (await FailureOfAsync(runId, cancellationToken) is { } error) throw new RunFailedException(runId, error);
    }

    [Queue(JobQueues.Uploads)]
    [AutomaticRetry(Attempts = BusyAttempts, OnlyOn = [typeof(RunBusyException)], DelaysInSeconds = [5], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Upload of run {0}")]
    public async Task ExecuteUploadAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IUploadExecutor>().ExecuteAsync(runId, cancellationToken);
    }

    private async Task<string?> FailureOfAsync(Guid runId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT state, error FROM app.pipeline_runs WHERE id = @id");
        cmd.Parameters.AddWithValue("id", runId);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || reader.GetString(0) != nameof(RunState.Failed)) return null;
        return reader.IsDBNull(1) ? "The run failed." : reader.GetString(1);
    }
}
