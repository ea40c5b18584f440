using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Runs;

/// <summary>
/// What a person does to a run's or an upload's job in the job system's own dashboard, turned into the run's state, so
/// the studio agrees with the dashboard: a deleted job stops its run (or withdraws its upload), a requeued job queues a
/// failed or paused run again (or re-requests its upload). Each is audited, also when the run's state does not change.
/// The job system calls these while the job's state changes, before any worker can pick the job up again.
/// </summary>
public sealed class RunJobTransitions(ChangeScope scope, AuditTrail audit, TimeProvider time)
{
    /// <summary>The run's job was deleted: a waiting run is cancelled, a running one stops at its worker's next check.</summary>
    public Task<RunState> RunJobDeletedAsync(Actor actor, Guid runId, CancellationToken ct = default) =>
        ChangeAsync(actor, runId, "run.job.delete", (run, changes) =>
        {
            switch (run.State)
            {
                case RunState.Running when !run.StopRequested:
                    changes.Field("stopRequested", false, true);
                    run.StopRequested = true;
                    break;
                case RunState.Queued or RunState.Paused or RunState.Failed:
                    changes.Field("state", run.State.ToString(), nameof(RunState.Cancelled));
                    run.Move(RunTransition.Cancel, time.GetUtcNow());
                    break;
            }
        }, ct);

    /// <summary>The run's job was queued again: a failed or paused run is queued to go on after its last finished step.</summary>
    public Task<RunState> RunJobRequeuedAsync(Actor actor, Guid runId, CancellationToken ct = default) =>
        ChangeAsync(actor, runId, "run.job.requeue", (run, changes) =>
        {
            if (!RunLifecycle.Allows(RunTransition.Requeue, run.State)) return;
            changes.Field("state", run.State.ToString(), nameof(RunState.Queued));
            run.Move(RunTransition.Requeue, time.GetUtcNow());
        }, ct);

    /// <summary>The upload's job was deleted: the run goes back to Prepared; asking for the upload again resumes it.</summary>
    public Task<RunState> UploadJobDeletedAsync(Actor actor, Guid runId, CancellationToken ct = default) =>
        ChangeAsync(actor, runId, "upload.job.delete", (run, changes) =>
        {
            if (!RunLifecycle.Allows(RunTransition.WithdrawUpload, run.State)) return;
            changes.Field("state", run.State.ToString(), nameof(RunState.Prepared));
            run.Move(RunTransition.WithdrawUpload, time.GetUtcNow());
        }, ct);

    /// <summary>The upload's job was queued again: a prepared run is uploading again.</summary>
    public Task<RunState> UploadJobRequeuedAsync(Actor actor, Guid runId, CancellationToken ct = default) =>
        ChangeAsync(actor, runId, "upload.job.requeue", (run, changes) =>
        {
            if (run.State != RunState.Prepared) return;
            changes.Field("state", run.State.ToString(), nameof(RunState.Uploading));
            run.Move(RunTransition.RequestUpload, time.GetUtcNow());
        }, ct);

    private async Task<RunState> ChangeAsync(Actor actor, Guid runId, string action, Action<PipelineRun, AuditChanges> change, CancellationToken ct) =>
        await scope.RunAsync(async db =>
        {
            // The run's worker writes progress meanwhile: lock the row so this change reads its latest version.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM app.pipeline_runs WHERE id = {runId} FOR UPDATE", ct);
            var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
            if (run is null) return RunState.Discarded;
            var changes = new AuditChanges();
            change(run, changes);
            if (changes.IsEmpty) changes.Note("state", $"{run.State} (unchanged)");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, action, "PipelineRun", runId, changes, ct);
            return run.State;
        }, ct);
}
