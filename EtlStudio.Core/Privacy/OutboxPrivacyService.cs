using System.Text.Json;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// An outbox's privacy report and the policy's verdict on it (README.md, *Privacy gate*). The report is computed again
/// on the outbox as it stands whenever its tables were edited since it was last computed — so at the latest when an
/// upload is asked for — and kept with the edit count it was computed at. The policy is the one in the run's snapshot of its task.
/// </summary>
public sealed class OutboxPrivacyService(ChangeScope scope, AccessPolicy policy, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Whether <paramref name="actor"/> may see a run's privacy report; a page that only shows it to those who may asks
    /// this first, so a viewer opening a run is not recorded as refused.
    /// </summary>
    public Task<bool> CanViewAsync(Actor actor, CancellationToken ct = default) => OutboxReaders.MayReadAsync(policy, actor, ct);

    /// <summary>The outbox's privacy as it stands (MANAGE_DATA, PROCESS_ETL_TASK or ADMIN).</summary>
    public async Task<OutboxPrivacy> GetAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await OutboxReaders.DemandAsync(policy, actor, "outbox.privacy", runId, ct);
        return await scope.RunAsync(async db =>
        {
            var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw DomainException.NotFound("Run", runId);
            var gate = PrivacyGateRecord.Read(run.PrivacyGateJson);
            // Once uploaded, the outbox is what the gate checked.
            if (run.State == RunState.Uploaded && gate is not null)
                return new OutboxPrivacy(runId, gate.Report, new PrivacyVerdict(gate.Policy, gate.Checks), gate, gate.CheckedAt);
            var (report, verdict, at) = await EvaluateAsync(db, run, ct);
            return new OutboxPrivacy(runId, report, verdict, gate, at);
        }, ct);
    }

    /// <summary>
    /// The report on the outbox as it stands, computed again in <paramref name="db"/>'s transaction when an edit came
    /// since it was last computed, and the policy's verdict on it.
    /// </summary>
    internal async Task<(PrivacyReport Report, PrivacyVerdict Verdict, DateTimeOffset ComputedAt)> EvaluateAsync(EtlStudioDbContext db, PipelineRun run, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var tx = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        var task = Snapshot(run);
        var privacyPolicy = task?.Policy ?? (task is null ? await CurrentPolicyAsync(db, run.TaskId, ct) : null);
        var edits = await ScalarAsync<long>(conn, tx, "SELECT coalesce(sum(edits), 0)::bigint FROM app.outbox_edits WHERE run_id = @run", run.Id, ct);

        PrivacyReport? report = null;
        var at = time.GetUtcNow();
        await using (var cmd = new NpgsqlCommand("SELECT edits, report_json::text, computed_at FROM app.outbox_privacy WHERE run_id = @run", conn, tx))
        {
            cmd.Parameters.AddWithValue("run", run.Id);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct) && r.GetInt64(0) == edits)
                (report, at) = (JsonSerializer.Deserialize<PrivacyReport>(r.GetString(1), Json), r.GetFieldValue<DateTimeOffset>(2));
        }
        if (report is null)
        {
            report = await OutboxPrivacyReporter.ReportAsync(conn, tx, run.SchemaName, task ?? EmptyTask(run), Seeds(run, task), ct);
            await using var save = new NpgsqlCommand("""
                INSERT INTO app.outbox_privacy (run_id, edits, report_json, computed_at) VALUES (@run, @edits, @report::jsonb, @at)
                ON CONFLICT (run_id) DO UPDATE SET edits = excluded.edits, report_json = excluded.report_json, computed_at = excluded.computed_at
                """, conn, tx);
            save.Parameters.AddWithValue("run", run.Id);
            save.Parameters.AddWithValue("edits", edits);
            save.Parameters.AddWithValue("report", JsonSerializer.Serialize(report, Json));
            save.Parameters.AddWithValue("at", at);
            await save.ExecuteNonQueryAsync(ct);
        }
        return (report, PrivacyVerdict.Check(privacyPolicy, report), at);
    }

    /// <summary>
    /// The tables to measure: those of the run's own report (with what the run removed and measured before
    /// anonymization), and any table of the snapshot with quasi-identifiers or sensitive columns the run did not report.
    /// </summary>
    private static PrivacyReport Seeds(PipelineRun run, ResolvedTask? task)
    {
        var reported = string.IsNullOrWhiteSpace(run.PrivacyReportJson) ? [] : JsonSerializer.Deserialize<PrivacyReport>(run.PrivacyReportJson, Json)?.Tables ?? [];
        var more = (task?.Tables ?? []).Where(t => reported.All(r => r.Table != t.Name) && t.Columns.Any(c => c.QuasiIdentifier || c.Sensitive))
            .Select(t => new TablePrivacyReport(t.Name, t.Columns.Where(c => c.QuasiIdentifier).Select(c => c.Name).ToList(), task!.Privacy.K, null, 0, 0, null, null,
                t.Columns.Where(c => c.Sensitive).Select(c => new SensitiveColumnReport(c.Name, task.Privacy.L, null)).ToList()));
        return new PrivacyReport(reported.Concat(more).ToList());
    }

    private static ResolvedTask? Snapshot(PipelineRun run)
    {
        try { return RunDefinitionJson.Read(run.DefinitionJson); }
        // Runs from before the snapshot was a resolved task: measured without their anonymization, policy as the task has it now.
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException) { return null; }
    }

    private static async Task<PrivacyPolicy?> CurrentPolicyAsync(EtlStudioDbContext db, Guid taskId, CancellationToken ct)
    {
        var json = await db.Tasks.Where(t => t.Id == taskId).Select(t => t.ConfigurationJson).FirstOrDefaultAsync(ct);
        return json is null ? null : TaskConfigurationJson.Read(json).Policy;
    }

    private static ResolvedTask EmptyTask(PipelineRun run) =>
        new(run.TaskId, "", run.CreatedAt, [], [], new PrivacySettings(null, null, null), new ResolvedUpload(Guid.Empty, Guid.Empty, ConnectionKind.PostgreSql, new()));

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, Guid run, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddWithValue("run", run);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
