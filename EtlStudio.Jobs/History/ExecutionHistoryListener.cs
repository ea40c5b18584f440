using Microsoft.Extensions.Logging;
using Npgsql;
using Quartz;

namespace EtlStudio.Jobs.History;

/// <summary>
/// Writes one row per firing to <c>app.job_executions</c>: node and start when it begins, end, outcome and error when it
/// ends. A failure to write is logged and swallowed — history must never stop a job.
/// </summary>
internal sealed partial class ExecutionHistoryListener(NpgsqlDataSource dataSource, TimeProvider time, ILogger<ExecutionHistoryListener> logger)
    : IJobListener
{
    // Long enough for any stack-free message; the full exception is in the node's log.
    private const int MaxErrorLength = 2000;

    public string Name => "etlstudio-history";

    public async ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await ExecAsync("""
            INSERT INTO app.job_executions (fire_instance_id, job_group, job_name, node, started_at, outcome)
            VALUES (@fire, @group, @name, @node, @at, 'Running')
            ON CONFLICT (fire_instance_id) DO NOTHING
            """, context, cmd =>
        {
            cmd.Parameters.AddWithValue("group", context.JobDetail.Key.Group);
            cmd.Parameters.AddWithValue("name", context.JobDetail.Key.Name);
            cmd.Parameters.AddWithValue("node", context.Scheduler.SchedulerInstanceId);
            cmd.Parameters.AddWithValue("at", context.FireTimeUtc);
        });
    }

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        var outcome = context.Outcome switch
        {
            ExecutionOutcome.Succeeded => JobOutcome.Succeeded,
            ExecutionOutcome.Cancelled => JobOutcome.Cancelled,
            _ when jobException is null => JobOutcome.Succeeded,
            _ => JobOutcome.Failed,
        };
        var error = jobException is null ? null : Describe(jobException);
        await ExecAsync("""
            UPDATE app.job_executions SET finished_at = @at, outcome = @outcome, error = @error WHERE fire_instance_id = @fire
            """, context, cmd =>
        {
            cmd.Parameters.AddWithValue("at", time.GetUtcNow());
            cmd.Parameters.AddWithValue("outcome", outcome.ToString());
            cmd.Parameters.Add(new NpgsqlParameter("error", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        });
    }

    private static string Describe(JobExecutionException ex)
    {
        // Quartz wraps what the job threw; the message worth showing is the original one.
        var inner = ex.GetBaseException();
        var text = $"{inner.GetType().Name}: {inner.Message}";
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }

    private async Task ExecAsync(string sql, IJobExecutionContext context, Action<NpgsqlCommand> bind)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand(sql);
            cmd.Parameters.AddWithValue("fire", context.FireInstanceId);
            bind(cmd);
            // Not the job's token: a cancelled job's ending is exactly what must still be written.
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            LogWriteFailed(ex, context.JobDetail.Key.ToString());
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Could not record the execution of job {Job}")]
    private partial void LogWriteFailed(Exception ex, string job);
}
