using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Upload;

/// <summary>Use case Upload Prepared Data: a task manager with WRITE on the destination hands a Prepared run to the workers.</summary>
public sealed class UploadService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, IRunQueue queue, OutboxPrivacyService privacy, TimeProvider time)
{
    /// <summary>
    /// Moves the run from Prepared to Uploading and queues the upload. Asking again while it is Uploading (after a failure)
    /// queues it again, and it resumes where it stopped. The privacy gate comes first: see the overload with a reason.
    /// </summary>
    public Task RequestAsync(Actor actor, Guid runId, CancellationToken ct = default) => RequestAsync(actor, runId, null, ct);

    /// <summary>
    /// Asks for the upload behind the privacy gate (README.md, *Privacy gate*): the privacy report is computed again on
    /// the outbox as it stands, under the run's lock so no edit slips in, and checked against the task's policy. A failing outbox is refused
    /// with a <see cref="PrivacyGateException"/> naming each failing threshold, its value and its limit — unless an
    /// administrator gives <paramref name="exceptionReason"/>; that exception is audited and kept for the version's metadata.
    /// </summary>
    public async Task RequestAsync(Actor actor, Guid runId, string? exceptionReason, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "upload.request", "PipelineRun", runId, ct);
        exceptionReason = string.IsNullOrWhiteSpace(exceptionReason) ? null : exceptionReason.Trim();
        if (exceptionReason is { Length: > 2000 }) throw new ValidationException("exception_reason", "A reason of at most 2000 characters.");
        if (exceptionReason is not null && !await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "upload.privacyException", "PipelineRun", runId, "Only an administrator may publish an outbox that fails its privacy policy.", ct);
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
            // A resumed upload was gated when first asked for; the outbox has not changed since (no edits once Uploading).
            else await GateAsync(db, run, actor, exceptionReason, changes, ct);
            run.Move(RunTransition.RequestUpload, time.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "upload.request", "PipelineRun", runId, changes, ct);
        }, ct);
        await queue.EnqueueUploadAsync(runId, ct);
    }

    /// <summary>What an upload of the run would do and whether the privacy gate lets it through, for a confirmation (PROCESS_ETL_TASK).</summary>
    public async Task<UploadConfirmation> ConfirmationAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "upload.confirmation", "PipelineRun", runId, ct);
        var outbox = await privacy.GetAsync(actor, runId, ct);
        return await scope.ReadAsync(async db =>
        {
            var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw DomainException.NotFound("Run", runId);
            var destination = (await RunPlanReader.ReadAsync(db, run, ct)).DestinationConnectionId
                              ?? throw DomainException.Precondition("The run's task names no destination to upload to.");
            var module = await db.Connections.Where(c => c.Id == destination).Select(c => new { c.Name, c.Kind }).FirstOrDefaultAsync(ct)
                         ?? throw DomainException.NotFound("Data module", destination);
            var next = await db.DatamoduleVersions.Where(v => v.ConnectionId == destination && v.RunId == runId).Select(v => (int?)v.Version).FirstOrDefaultAsync(ct)
                       ?? (await db.DatamoduleVersions.Where(v => v.ConnectionId == destination).MaxAsync(v => (int?)v.Version, ct) ?? 0) + 1;
            return new UploadConfirmation(runId, destination, module.Name, module.Kind, next, outbox, await policy.IsAdminAsync(actor, ct));
        }, ct);
    }

    private async Task GateAsync(EtlStudioDbContext db, PipelineRun run, Actor actor, string? exceptionReason, AuditChanges changes, CancellationToken ct)
    {
        var (report, verdict, _) = await privacy.EvaluateAsync(db, run, ct);
        var failures = verdict.Failures;
        if (failures.Count > 0 && exceptionReason is null) throw new PrivacyGateException(failures);
        var exception = failures.Count > 0 ? new PrivacyException(exceptionReason!, actor.UserId, actor.Login, time.GetUtcNow()) : null;
        run.PrivacyGateJson = new PrivacyGateRecord(verdict.Policy, report, verdict.Checks, verdict.Passed, exception, time.GetUtcNow()).ToJson();
        changes.Note("privacyPolicy", verdict.Policy is null ? "none" : verdict.Passed ? "passed" : "failed");
        if (exception is not null)
        {
            changes.Note("privacyException", exception.Reason);
            changes.Note("failedThresholds", string.Join("; ", failures.Select(f => f.Describe())));
        }
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
