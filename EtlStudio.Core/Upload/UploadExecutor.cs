using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Uploads a run in state Uploading to its destination, then records the version in EtlStudio in one transaction
/// (<c>app.datamodule_versions</c>, the connection's version and collection protocol, the run Uploaded). Every step can
/// be repeated: the destination's own records (version table keyed by run id, progress table, upload batches) say what is
/// done, and the version row is unique per run, so a re-run after a crash anywhere publishes once and bumps once.
/// </summary>
internal sealed class UploadExecutor(ChangeScope scope, AuditTrail audit, ConnectionService connections, NpgsqlDataSource data,
    PostgresUploader postgres, HttpUploader http, S3Uploader s3, TimeProvider time) : IUploadExecutor
{
    public async Task ExecuteAsync(Guid runId, CancellationToken ct)
    {
        // One upload of a run at a time, whoever asks (a job, the demo seed): the others are told to try again.
        await using var held = await RunLock.TryTakeAsync(data, RunLock.UploadKey(runId), ct) ?? throw new RunBusyException(runId, "upload");
        var (run, plan, appMax) = await scope.ReadAsync(async db =>
        {
            var r = await db.Runs.FirstOrDefaultAsync(x => x.Id == runId, ct) ?? throw DomainException.NotFound("Run", runId);
            var p = await RunPlanReader.ReadAsync(db, r, ct);
            var max = p.DestinationConnectionId is { } d ? await db.DatamoduleVersions.Where(v => v.ConnectionId == d).MaxAsync(v => (int?)v.Version, ct) ?? 0 : 0;
            return (r, p, max);
        }, ct);
        if (run.State == RunState.Uploaded) return;
        if (run.State != RunState.Uploading) throw DomainException.Precondition($"Only a run in state Uploading is uploaded; this run is {run.State}.");
        var destination = plan.DestinationConnectionId ?? throw DomainException.Precondition("The run's task names no destination to upload to.");
        try
        {
            var secret = await connections.GetSecretAsync(destination, ct);
            IReadOnlyList<Pipeline.OutboxTable> tables;
            await using (var conn = await data.OpenConnectionAsync(ct)) tables = await OutboxCatalog.ReadAsync(conn, null, run.SchemaName, ct);
            if (tables.Count == 0) throw DomainException.Precondition("The run's outbox has no tables (or no longer exists).");
            var published = secret.Kind switch
            {
                ConnectionKind.PostgreSql => await postgres.UploadAsync(runId, run.SchemaName, tables, plan.Upload, secret, appMax, ct),
                ConnectionKind.S3 => await s3.UploadAsync(runId, destination, run.SchemaName, tables, secret, appMax,
                    (version, p, token) => BuildMetadataAsync(run, destination, version, tables, p, token), ct),
                _ => await http.UploadAsync(runId, run.SchemaName, tables, plan.Upload, secret, ct),
            };
            await FinishAsync(run, destination, tables, published, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordErrorAsync(runId, e, ct);
            throw;
        }
    }

    private async Task FinishAsync(PipelineRun run, Guid destination, IReadOnlyList<Pipeline.OutboxTable> tables, PublishedVersion published, CancellationToken ct)
    {
        var module = await scope.ReadAsync(db => db.Connections.Where(c => c.Id == destination).Select(c => new { c.Name, c.Kind }).FirstAsync(ct), ct);
        // The number is the destination's for PostgreSQL; for HTTP it is the next one, unless this run already has one.
        var (existing, next) = await scope.ReadAsync(async db => (
            await db.DatamoduleVersions.Where(v => v.ConnectionId == destination && v.RunId == run.Id).Select(v => (int?)v.Version).FirstOrDefaultAsync(ct),
            (await db.DatamoduleVersions.Where(v => v.ConnectionId == destination).MaxAsync(v => (int?)v.Version, ct) ?? 0) + 1), ct);
        var version = existing ?? published.Version ?? next;
        var metadata = existing is null
            ? published.MetadataJson ?? await BuildMetadataAsync(run, destination, version, tables, published, ct)
            : null;
        var protocol = DataModuleMetadata.Protocol(module.Kind, version, published).ToJsonString();
        await scope.RunAsync(async db =>
        {
            var r = await db.Runs.FromSqlInterpolated($"SELECT *, xmin FROM app.pipeline_runs WHERE id = {run.Id} FOR UPDATE").FirstAsync(ct);
            if (r.State == RunState.Uploaded) return;
            var c = await db.Connections.FromSqlInterpolated($"SELECT *, xmin FROM app.connections WHERE id = {destination} FOR UPDATE").FirstAsync(ct);
            var changes = new AuditChanges().Field("state", r.State.ToString(), RunState.Uploaded.ToString());
            // The version is credited to whoever asked for the upload (the run has no column for it; its audit entry does).
            var runKey = r.Id.ToString();
            var uploader = await db.AuditEntries.Where(e => e.Action == "upload.request" && e.EntityType == "PipelineRun" && e.EntityId == runKey && e.Outcome == AuditOutcome.Success)
                .OrderByDescending(e => e.Id).Select(e => (Guid?)e.ActorId).FirstOrDefaultAsync(ct) ?? r.RequestedBy;
            if (!await db.DatamoduleVersions.AnyAsync(v => v.ConnectionId == destination && v.RunId == r.Id, ct))
            {
                db.DatamoduleVersions.Add(new DatamoduleVersion
                {
                    Id = Guid.NewGuid(), ConnectionId = destination, Version = version, RunId = r.Id, CreatedBy = uploader, CreatedAt = time.GetUtcNow(),
                    TablesJson = System.Text.Json.JsonSerializer.Serialize(published.Tables, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)),
                    PrivacyReportJson = r.PrivacyReportJson, MetadataJson = metadata ?? "{}",
                });
            }
            // A newer version published meanwhile (after a long interruption) stays current.
            if (version >= c.Version)
            {
                changes.Field("version", c.Version, version);
                c.Version = version;
                c.CollectionProtocolJson = protocol;
                c.UpdatedAt = time.GetUtcNow();
            }
            r.Move(RunTransition.CompleteUpload, time.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, Actor.System("upload:" + r.Id), "upload.complete", "PipelineRun", r.Id,
                changes.Note("connection", destination).Note("publishedVersion", version).Note("rows", published.Tables.Sum(t => t.Rows)), ct);
        }, ct);
    }

    private async Task<string> BuildMetadataAsync(PipelineRun run, Guid destination, int version, IReadOnlyList<Pipeline.OutboxTable> tables,
        PublishedVersion published, CancellationToken ct)
    {
        var module = await scope.ReadAsync(db => db.Connections.Where(c => c.Id == destination).Select(c => new { c.Name, c.Kind }).FirstAsync(ct), ct);
        return await DataModuleMetadata.BuildAsync(scope, run, module.Name, module.Kind, version, tables, published, ct);
    }

    private async Task RecordErrorAsync(Guid runId, Exception e, CancellationToken ct)
    {
        // Driver messages can echo connection details; keep the domain message or only the kind of failure.
        var message = e switch
        {
            DomainException d => d.Message,
            PostgresException pg => $"The destination database refused: {pg.SqlState} {pg.MessageText}",
            NpgsqlException => "The destination database could not be reached.",
            Amazon.S3.AmazonS3Exception s3e => $"The S3 destination refused: {s3e.ErrorCode} (HTTP {(int)s3e.StatusCode}).",
            Amazon.Runtime.AmazonServiceException => "The S3 destination could not be reached.",
            _ => $"The upload failed ({e.GetType().Name}); it resumes where it stopped when requested again.",
        };
        await scope.RunAsync(async db =>
        {
            var r = await db.Runs.FirstOrDefaultAsync(x => x.Id == runId, ct);
            if (r is not null) r.Error = "Upload: " + message;
        }, CancellationToken.None);
    }
}
