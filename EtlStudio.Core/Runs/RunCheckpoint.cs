using System.Text.Json;
using EtlStudio.Core.Pipeline;
using Npgsql;

namespace EtlStudio.Core.Runs;

/// <summary>
/// A run's checkpoints in <c>app.run_steps</c>. A finished step is written in the step's own transaction (same
/// database as the staging schema), so its results and its checkpoint exist together or not at all.
/// Progress goes on connections of its own, since the step's connection may be busy with a COPY.
/// </summary>
internal sealed class RunCheckpoint(NpgsqlDataSource dataSource, Guid runId, TimeProvider time) : IRunCheckpoint
{
    public async Task<IReadOnlySet<PipelineStep>> FinishedStepsAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT step FROM app.run_steps WHERE run_id = @id AND status = 'Succeeded'");
        cmd.Parameters.AddWithValue("id", runId);
        var steps = new HashSet<PipelineStep>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) steps.Add(Enum.Parse<PipelineStep>(r.GetString(0)));
        return steps;
    }

    public async Task StepStartedAsync(PipelineStep step, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO app.run_steps (run_id, step, ordinal, status, started_at) VALUES (@id, @step, @ordinal, 'Running', @now)
            ON CONFLICT (run_id, step) DO UPDATE SET status = 'Running', started_at = @now, finished_at = NULL, error = NULL,
                rows_in = 0, rows_out = 0, rows_rejected = 0;
            UPDATE app.pipeline_runs SET current_step = @step, progress_rows = 0 WHERE id = @id;
            """);
        cmd.Parameters.AddWithValue("id", runId);
        cmd.Parameters.AddWithValue("step", step.ToString());
        cmd.Parameters.AddWithValue("ordinal", (int)step);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task ProgressAsync(PipelineStep step, long rows, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE app.pipeline_runs SET progress_rows = @rows WHERE id = @id");
        cmd.Parameters.AddWithValue("id", runId);
        cmd.Parameters.AddWithValue("rows", rows);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task StepFinishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, StepResult result, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            UPDATE app.run_steps SET status = 'Succeeded', rows_in = @in, rows_out = @out, rows_rejected = @rejected, finished_at = @now
            WHERE run_id = @id AND step = @step;
            UPDATE app.pipeline_runs SET progress_rows = NULL, privacy_report_json = coalesce(@report::jsonb, privacy_report_json) WHERE id = @id;
            """, conn, tx);
        cmd.Parameters.AddWithValue("id", runId);
        cmd.Parameters.AddWithValue("step", result.Step.ToString());
        cmd.Parameters.AddWithValue("in", result.RowsIn);
        cmd.Parameters.AddWithValue("out", result.RowsOut);
        cmd.Parameters.AddWithValue("rejected", result.RowsRejected);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        cmd.Parameters.AddWithValue("report", result.Report is null ? DBNull.Value : JsonSerializer.Serialize(result.Report, JsonSerializerOptions.Web));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<bool> PauseRequestedAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT pause_requested FROM app.pipeline_runs WHERE id = @id");
        cmd.Parameters.AddWithValue("id", runId);
        return (bool?)await cmd.ExecuteScalarAsync(ct) ?? false;
    }

    /// <summary>Marks the step under way as failed (after a failure or a stop).</summary>
    public async Task StepFailedAsync(string error, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "UPDATE app.run_steps SET status = 'Failed', error = @error, finished_at = @now WHERE run_id = @id AND status = 'Running'");
        cmd.Parameters.AddWithValue("id", runId);
        cmd.Parameters.AddWithValue("error", error);
        cmd.Parameters.AddWithValue("now", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
