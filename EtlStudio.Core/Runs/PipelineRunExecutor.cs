using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Notifications;
using EtlStudio.Core.Pipeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EtlStudio.Core.Runs;

/// <summary>
/// Executes a queued run on a worker: takes the run's lock (<see cref="RunLock"/>: two workers never run it at once,
/// and one that finds it held throws <see cref="RunBusyException"/> so its job is tried again), runs the engine from the last finished step, and records the outcome —
/// Prepared, Paused, Failed or Cancelled — with its audit entry and a notification to whoever started the run.
/// </summary>
public sealed partial class PipelineRunExecutor(NpgsqlDataSource dataSource, ChangeScope scope, PipelineEngine engine, AuditTrail audit,
    NotificationService notifications, TimeProvider time, ILogger<PipelineRunExecutor> logger) : IPipelineRunExecutor
{
    private static readonly TimeSpan StopPoll = TimeSpan.FromSeconds(1);

    public async Task ExecuteAsync(Guid runId, CancellationToken ct)
    {
        // Busy is thrown, not returned: this execution may carry work (a resume) the one holding the lock has passed.
        await using var held = await RunLock.TryTakeAsync(dataSource, RunLock.PipelineKey(runId), ct) ?? throw Busy(runId);
        var run = await scope.ReadAsync(db => db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct), ct);
        if (run is null || run.State is not (RunState.Queued or RunState.Running)) return;
        if (run.StopRequested)
        {
            await FinishAsync(run, RunTransition.Cancel, null, ct);
            return;
        }
        await scope.RunAsync(async db =>
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM app.pipeline_runs WHERE id = {runId} FOR UPDATE", ct);
            var r = await db.Runs.FirstAsync(x => x.Id == runId, ct);
            r.Move(RunTransition.Begin, time.GetUtcNow());
        }, ct);

        var checkpoint = new RunCheckpoint(dataSource, runId, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = WatchForStopAsync(runId, stop);
        try
        {
            var job = new PipelineJob(run.Id, run.SchemaName, RunDefinitionJson.Read(run.DefinitionJson), run.Seed ?? 0);
            var outcome = await engine.RunAsync(job, checkpoint, stop.Token);
            await FinishAsync(run, outcome.Completed ? RunTransition.Complete : RunTransition.Suspend, null, ct);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The worker's own token also fires when the job is deleted in the dashboard (which asks the run to stop first); only a stop the
            // run asked for ends it here — a node shutting down leaves it Running, for another worker to recover.
            if (!await StopRequestedAsync(runId)) throw;
            await checkpoint.StepFailedAsync("Stopped by a person.", CancellationToken.None);
            await FinishAsync(run, RunTransition.Cancel, null, CancellationToken.None);
        }
        catch (PipelineFailure f)
        {
            LogFailed(runId, f.Step, f.Message);
            await checkpoint.StepFailedAsync(f.Message, CancellationToken.None);
            await FinishAsync(run, RunTransition.Fail, f.Message, CancellationToken.None);
        }
        catch (DomainException d) when (d.Kind == ErrorKind.FailedPrecondition)
        {
            // The task asks for something the engine cannot do with it (two anatomized columns in a table, say): the
            // message names the table and says what to change, as a PipelineFailure's does.
            LogRefused(runId, d.Message);
            await checkpoint.StepFailedAsync(d.Message, CancellationToken.None);
            await FinishAsync(run, RunTransition.Fail, d.Message, CancellationToken.None);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogCrashed(ex, runId);
            var message = ex is PostgresException pg
                ? $"The step failed in the database: {pg.MessageText}"
                : $"The step failed unexpectedly ({ex.GetType().Name}); the server log has the details for run {runId}.";
            await checkpoint.StepFailedAsync(message, CancellationToken.None);
            await FinishAsync(run, RunTransition.Fail, message, CancellationToken.None);
        }
        finally
        {
            await stop.CancelAsync();
            try { await watcher; } catch (OperationCanceledException) { }
        }
    }

    private async Task FinishAsync(PipelineRun run, RunTransition transition, string? error, CancellationToken ct)
    {
        var state = RunLifecycle.To(transition);
        var dropOutbox = false;
        string? task = null;
        await scope.RunAsync(async db =>
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM app.pipeline_runs WHERE id = {run.Id} FOR UPDATE", ct);
            var r = await db.Runs.FirstAsync(x => x.Id == run.Id, ct);
            task = await db.Tasks.Where(t => t.Id == r.TaskId).Select(t => t.Name).FirstAsync(ct);
            // A stop that asked for the outbox to go discards it instead of cancelling.
            dropOutbox = transition == RunTransition.Cancel && r.DeleteOutboxOnStop;
            var before = r.Move(dropOutbox ? RunTransition.Discard : transition, time.GetUtcNow());
            r.Error = error;
            await db.SaveChangesAsync(ct);
            var changes = new AuditChanges().Field("state", before.ToString(), r.State.ToString());
            if (error is not null) changes.Note("error", error);
            await audit.RecordAsync(db, Actor.System(), "run." + state.ToString().ToLowerInvariant(), "PipelineRun", r.Id, changes, ct);
            var (title, body) = state switch
            {
                RunState.Prepared => ($"Run #{r.Number} of {task} is ready for review", "Its outbox awaits review and upload."),
                RunState.Failed => ($"Run #{r.Number} of {task} failed", error ?? ""),
                RunState.Paused => ($"Run #{r.Number} of {task} is paused", "Resume it to go on from the next step."),
                _ => ($"Run #{r.Number} of {task} was stopped", dropOutbox ? "Its staged data was deleted." : "Its staged data is kept until retention removes it."),
            };
            notifications.Add(db, r.RequestedBy, title, body, $"/runs/{r.Id}");
        }, ct);
        if (dropOutbox) await DropSchemaAsync(run.SchemaName, ct);
        notifications.Publish(run.RequestedBy);
    }

    internal async Task DropSchemaAsync(string schema, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(StagingLayout.DropSql(schema));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task WatchForStopAsync(Guid runId, CancellationTokenSource stop)
    {
        using var timer = new PeriodicTimer(StopPoll);
        while (await timer.WaitForNextTickAsync(stop.Token))
        {
            await using var cmd = dataSource.CreateCommand("SELECT stop_requested FROM app.pipeline_runs WHERE id = @id");
            cmd.Parameters.AddWithValue("id", runId);
            try
            {
                if ((bool?)await cmd.ExecuteScalarAsync(stop.Token) == true) { await stop.CancelAsync(); return; }
            }
            catch (NpgsqlException) { /* a blip; the next tick asks again */ }
        }
    }

    private async Task<bool> StopRequestedAsync(Guid runId)
    {
        await using var cmd = dataSource.CreateCommand("SELECT stop_requested FROM app.pipeline_runs WHERE id = @id");
        cmd.Parameters.AddWithValue("id", runId);
        return (bool?)await cmd.ExecuteScalarAsync(CancellationToken.None) == true;
    }

    private RunBusyException Busy(Guid runId)
    {
        LogBusy(runId);
        return new RunBusyException(runId, "pipeline");
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Run {RunId} is being executed by another worker; trying again later.")]
    private partial void LogBusy(Guid runId);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Run {RunId} failed in step {Step}: {Reason}")]
    private partial void LogFailed(Guid runId, PipelineStep step, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Run {RunId} failed: its task asks for what the engine cannot do: {Reason}")]
    private partial void LogRefused(Guid runId, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Run {RunId} failed unexpectedly.")]
    private partial void LogCrashed(Exception ex, Guid runId);
}
