using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Upload;

/// <summary>Use case Upload Prepared Data: a task manager with WRITE on the destination hands a Prepared run to the workers.</summary>
public sealed class UploadService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, IRunQueue queue, TimeProvider time)
{
    /// <summary>
    /// Moves the run from Prepared to Uploading and queues the upload. Asking again while it is Uploading (after a failure)
    /// queues it again, and it resumes where it stopped.
    /// </summary>
    public async Task RequestAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "upload.request", "PipelineRun", runId, ct);
        var plan = await scope.ReadAsync(async db =>
        {
            var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw DomainException.NotFound("Run", runId);
            return await RunPlanReader.ReadAsync(db, run, ct);
        }, ct);
        var destination = plan.DestinationConnectionId ?? throw DomainException.Precondition("The run's task names no destination to upload to.");
        await policy.DemandAccessAsync(actor, destination, AccessType.Write, "upload.request", "PipelineRun", runId, ct);
        await scope.RunAsync(async db =>
        {
            var run = await db.Runs.FromSqlInterpolated($"SELECT *, xmin FROM app.pipeline_runs WHERE id = {runId} FOR UPDATE").FirstAsync(ct);
            if (run.State is not (RunState.Prepared or RunState.Uploading))
                throw DomainException.Precondition($"Only a Prepared run can be uploaded; this run is {run.State}.");
            var changes = new AuditChanges().Field("state", run.State.ToString(), RunState.Uploading.ToString()).Note("destination", destination);
            if (run.State == RunState.Uploading) changes.Note("resumed", true);
            run.Move(RunTransition.RequestUpload, time.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "upload.request", "PipelineRun", runId, changes, ct);
        }, ct);
        await queue.EnqueueUploadAsync(runId, ct);
    }

    /// <summary>How far an upload has got, for the outbox page's progress display.</summary>
    public async Task<UploadProgress> GetProgressAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await OutboxReaders.DemandAsync(policy, actor, "upload.progress", runId, ct);
        return await scope.ReadAsync(async db =>
        {
            var run = await db.Runs.Where(r => r.Id == runId).Select(r => new { r.State, r.Error, r.UploadedAt }).FirstOrDefaultAsync(ct)
                      ?? throw DomainException.NotFound("Run", runId);
            var batches = await db.UploadBatches.Where(b => b.RunId == runId).GroupBy(_ => 1)
                .Select(g => new { Count = g.Count(), Rows = g.Sum(b => b.Rows) }).FirstOrDefaultAsync(ct);
            var version = await db.DatamoduleVersions.Where(v => v.RunId == runId).Select(v => (int?)v.Version).FirstOrDefaultAsync(ct);
            return new UploadProgress(runId, run.State, batches?.Count ?? 0, batches?.Rows ?? 0, version, run.UploadedAt, run.Error);
        }, ct);
    }
}
