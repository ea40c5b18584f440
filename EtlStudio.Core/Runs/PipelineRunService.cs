using System.Security.Cryptography;
using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Core.Runs;

/// <summary>
/// The run use cases (Process, Stop, View Run History): start a released task, pause, resume, stop, and read runs,
/// their steps and their rejected records. The work itself happens on a worker (<see cref="IRunQueue"/>).
/// </summary>
public sealed class PipelineRunService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, TaskService tasks, IRunQueue queue,
    Upload.UploadService uploads, NpgsqlDataSource dataSource, TimeProvider time) : IRunHistory
{
    private static readonly RunState[] Active = [RunState.Queued, RunState.Running, RunState.Paused, RunState.Uploading];

    /// <summary>
    /// Starts a run of a released task (PROCESS_ETL_TASK, READ on every source); one active run per task.
    /// <paramref name="seed"/> fixes the random choices (else the task's seed, else a cryptographically random one).
    /// </summary>
    public async Task<Guid> StartAsync(Actor actor, Guid taskId, long? seed = null, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "run.start", "EtlTask", taskId, ct);
        var task = await tasks.ResolveForRunAsync(taskId, ct);
        foreach (var source in task.Tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId).Distinct())
            await policy.DemandAccessAsync(actor, source, AccessType.Read, "run.start", "EtlTask", taskId, ct);
        // What the uploaded version's metadata will describe: the task as this run takes it, not as it may be edited later.
        var document = await DataModules.DataModuleMetadata.TaskDocumentAsync(scope, taskId, ct);
        var id = Guid.NewGuid();
        await scope.RunAsync(async db =>
        {
            // Serialises starts of one task, so two people pressing Start at once make one run.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM app.etl_tasks WHERE id = {taskId} FOR UPDATE", ct);
            if (await db.Runs.Where(r => r.TaskId == taskId && Active.Contains(r.State)).Select(r => (int?)r.Number).FirstOrDefaultAsync(ct) is { } busy)
                throw DomainException.Precondition($"Run #{busy} of this task is not finished yet; wait for it, or stop it first.");
            var number = (await db.Runs.Where(r => r.TaskId == taskId).MaxAsync(r => (int?)r.Number, ct) ?? 0) + 1;
            // A task may fix its seed (reproducible runs); otherwise every run draws one from a cryptographic generator.
            var runSeed = seed ?? task.Privacy.Seed ?? BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
            db.Runs.Add(new PipelineRun
            {
                Id = id, TaskId = taskId, Number = number, SchemaName = StagingLayout.SchemaFor(id),
                DefinitionJson = RunDefinitionJson.Write(task), TaskDocumentJson = document, Seed = runSeed, RequestedBy = actor.UserId, CreatedAt = time.GetUtcNow(),
            });
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "run.start", "PipelineRun", id,
                new AuditChanges().Created("task", task.Name).Created("number", number).Created("state", nameof(RunState.Queued)), ct);
        }, ct);
        await queue.EnqueueRunAsync(id, ct);
        return id;
    }

    /// <summary>Pause: a queued run pauses at once; a running one after its current step.</summary>
    public Task PauseAsync(Actor actor, Guid runId, CancellationToken ct = default) =>
        ChangeAsync(actor, runId, "run.pause", (run, changes) =>
        {
            switch (run.State)
            {
                case RunState.Queued:
                    changes.Field("state", run.State.ToString(), nameof(RunState.Paused));
                    run.Move(RunTransition.Pause, time.GetUtcNow());
                    break;
                case RunState.Running when !run.PauseRequested:
                    changes.Field("pauseRequested", false, true);
                    run.PauseRequested = true;
                    break;
                case RunState.Running:
                    throw DomainException.Precondition("A pause is already requested; the run pauses after its current step.");
                default:
                    throw DomainException.Precondition($"Only a queued or running run can be paused; this one is {Describe(run.State)}.");
            }
            return false;
        }, ct);

    /// <summary>
    /// Resume: a paused or failed run goes on after its last finished step; a prepared run (its outbox awaiting upload),
    /// or an upload that stopped half-way, is uploaded — resuming where it stopped.
    /// </summary>
    public async Task ResumeAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        var state = await scope.ReadAsync(db => db.Runs.Where(r => r.Id == runId).Select(r => (RunState?)r.State).FirstOrDefaultAsync(ct), ct);
        if (state is RunState.Prepared or RunState.Uploading)
        {
            await uploads.RequestAsync(actor, runId, ct);
            return;
        }
        await ChangeAsync(actor, runId, "run.resume", (run, changes) =>
        {
            if (run.State is not (RunState.Paused or RunState.Failed))
                throw DomainException.Precondition($"Only a paused, failed or prepared run can be resumed; this one is {Describe(run.State)}.");
            changes.Field("state", run.State.ToString(), nameof(RunState.Queued));
            run.Move(RunTransition.Requeue, time.GetUtcNow());
            return true;
        }, ct);
    }

    /// <summary>Stop: cancels the run (a running one at its next check, within a second or two); optionally deletes its staged data.</summary>
    public async Task StopAsync(Actor actor, Guid runId, bool deleteOutbox, CancellationToken ct = default)
    {
        var drop = false;
        string? schema = null;
        await ChangeAsync(actor, runId, "run.stop", (run, changes) =>
        {
            schema = run.SchemaName;
            switch (run.State)
            {
                case RunState.Running:
                    if (run.StopRequested) throw DomainException.Precondition("A stop is already requested.");
                    changes.Field("stopRequested", false, true).Field("deleteOutbox", false, deleteOutbox);
                    run.StopRequested = true;
                    run.DeleteOutboxOnStop = deleteOutbox;
                    break;
                case RunState.Queued or RunState.Paused or RunState.Failed or RunState.Prepared:
                    var before = run.Move(deleteOutbox ? RunTransition.Discard : RunTransition.Cancel, time.GetUtcNow());
                    changes.Field("state", before.ToString(), run.State.ToString());
                    drop = deleteOutbox;
                    break;
                default:
                    throw DomainException.Precondition($"This run is {Describe(run.State)}; there is nothing to stop.");
            }
            return false;
        }, ct);
        if (drop && schema is not null)
        {
            await using var cmd = dataSource.CreateCommand(StagingLayout.DropSql(schema));
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task<RunView> GetAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, runId, ct);
        return await scope.ReadAsync(async db =>
        {
            var r = await db.Runs.Include(x => x.Steps).FirstOrDefaultAsync(x => x.Id == runId, ct) ?? throw DomainException.NotFound("Run", runId);
            var task = await db.Tasks.Where(t => t.Id == r.TaskId).Select(t => t.Name).FirstAsync(ct);
            var by = await db.Users.Where(u => u.Id == r.RequestedBy).Select(u => u.Login).FirstAsync(ct);
            return new RunView(r.Id, r.TaskId, task, r.Number, r.State, r.CurrentStep, r.ProgressRows, r.PauseRequested, r.StopRequested, by,
                r.CreatedAt, r.StartedAt, r.FinishedAt, r.UploadedAt, r.Error, r.PrivacyReportJson, r.Seed,
                r.Steps.OrderBy(s => s.Ordinal).Select(s => new RunStepView(s.Step, s.Ordinal, s.Status, s.RowsIn, s.RowsOut, s.RowsRejected,
                    s.StartedAt, s.FinishedAt, s.Error)).ToList());
        }, ct);
    }

    public async Task<Paged<RunSummary>> ListAsync(Actor actor, RunFilter filter, PageRequest page, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, null, ct);
        return await scope.ReadAsync(async db =>
        {
            var q = db.Runs.AsQueryable();
            if (filter.TaskId is { } t) q = q.Where(r => r.TaskId == t);
            if (filter.State is { } s) q = q.Where(r => r.State == s);
            if (filter.From is { } from) q = q.Where(r => r.CreatedAt >= from);
            if (filter.To is { } to) q = q.Where(r => r.CreatedAt < to);
            var total = await q.LongCountAsync(ct);
            var items = await q.OrderByDescending(r => r.CreatedAt).Skip(page.Skip).Take(page.SafeSize)
                .Select(r => new RunSummary(r.Id, r.TaskId, db.Tasks.Where(x => x.Id == r.TaskId).Select(x => x.Name).First(), r.Number, r.State,
                    r.CurrentStep, db.Users.Where(u => u.Id == r.RequestedBy).Select(u => u.Login).First(), r.CreatedAt, r.FinishedAt,
                    r.Steps.Sum(x => x.RowsRejected), r.Error))
                .ToListAsync(ct);
            return new Paged<RunSummary>(items, total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>The tasks that have runs, by name, for the history's filter.</summary>
    public async Task<IReadOnlyList<(Guid Id, string Name)>> TasksWithRunsAsync(Actor actor, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, null, ct);
        var rows = await scope.ReadAsync(db => db.Tasks.Where(t => db.Runs.Any(r => r.TaskId == t.Id)).OrderBy(t => t.Name)
            .Select(t => new { t.Id, t.Name }).ToListAsync(ct), ct);
        return rows.Select(r => (r.Id, r.Name)).ToList();
    }

    /// <summary>Records a run dropped, with step, rule, column and reason; filtered by step, table, rule and column, paged.</summary>
    public async Task<Paged<RejectView>> RejectsAsync(Actor actor, Guid runId, RejectFilter filter, PageRequest page, CancellationToken ct = default)
    {
        var run = await GetAsync(actor, runId, ct);
        var schema = StagingLayout.SchemaFor(run.Id);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", conn))
        {
            exists.Parameters.AddWithValue("t", Sql.Table(schema, StagingLayout.Rejects));
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return new Paged<RejectView>([], 0, page.SafePage, page.SafeSize);
        }
        const string where = """
            WHERE (@step::text IS NULL OR step = @step) AND (@table::text IS NULL OR table_name = @table)
              AND (@rule::text IS NULL OR rule = @rule) AND (@column::text IS NULL OR column_name = @column)
            """;
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Sql.Table(schema, StagingLayout.Rejects)} {where}", conn);
        AddFilter(count, filter);
        var total = (long)(await count.ExecuteScalarAsync(ct))!;
        await using var cmd = new NpgsqlCommand($"""
            SELECT id, step, table_name, rule, column_name, reason, row_id, record::text FROM {Sql.Table(schema, StagingLayout.Rejects)} {where}
            ORDER BY id LIMIT @take OFFSET @skip
            """, conn);
        AddFilter(cmd, filter);
        cmd.Parameters.AddWithValue("take", page.SafeSize);
        cmd.Parameters.AddWithValue("skip", page.Skip);
        var items = new List<RejectView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            items.Add(new RejectView(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetString(5), r.IsDBNull(6) ? null : r.GetInt64(6), r.GetString(7)));
        return new Paged<RejectView>(items, total, page.SafePage, page.SafeSize);
    }

    private static void AddFilter(NpgsqlCommand cmd, RejectFilter filter)
    {
        cmd.Parameters.AddWithValue("step", (object?)filter.Step ?? DBNull.Value);
        cmd.Parameters.AddWithValue("table", (object?)filter.Table ?? DBNull.Value);
        cmd.Parameters.AddWithValue("rule", (object?)filter.Rule ?? DBNull.Value);
        cmd.Parameters.AddWithValue("column", (object?)filter.Column ?? DBNull.Value);
    }

    private async Task ChangeAsync(Actor actor, Guid runId, string action, Func<PipelineRun, AuditChanges, bool> change, CancellationToken ct)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, action, "PipelineRun", runId, ct);
        var enqueue = await scope.RunAsync(async db =>
        {
            // The worker updates the run's progress meanwhile: lock the row so this change reads its latest version.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM app.pipeline_runs WHERE id = {runId} FOR UPDATE", ct);
            var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw DomainException.NotFound("Run", runId);
            var changes = new AuditChanges();
            var again = change(run, changes);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, action, "PipelineRun", runId, changes, ct);
            return again;
        }, ct);
        if (enqueue) await queue.EnqueueRunAsync(runId, ct);
    }

    /// <summary>Whether the actor may see runs at all (pages ask before showing run panels, so nobody is refused for looking at a dashboard).</summary>
    public async Task<bool> CanReadAsync(Actor actor, CancellationToken ct = default)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        var now = policy.Now;
        return p.HasRole(UserRole.ProcessEtlTask, now) || p.HasRole(UserRole.EditTask, now) || p.HasRole(UserRole.ManageData, now) || p.IsAdmin(now);
    }

    private async Task DemandReadAsync(Actor actor, Guid? runId, CancellationToken ct)
    {
        if (await CanReadAsync(actor, ct)) return;
        await policy.DenyAsync(actor, "run.read", "PipelineRun", runId, "Reading runs needs the PROCESS_ETL_TASK, EDIT_TASK or MANAGE_DATA role.", ct);
    }

    internal static string Describe(RunState state) => state switch
    {
        RunState.Queued => "queued",
        RunState.Running => "running",
        RunState.Paused => "paused",
        RunState.Prepared => "prepared (its outbox awaits upload)",
        RunState.Uploading => "uploading",
        RunState.Uploaded => "uploaded",
        RunState.Failed => "failed",
        RunState.Cancelled => "cancelled",
        _ => "discarded",
    };
}
