using System.Diagnostics;
using EtlStudio.Core.Pipeline.Steps;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// Runs the steps of a run (docs/architecture.md) for one job in its staging schema on the application database. The
/// run's plan is made once, before the first step; then each step runs in one transaction that also records it as
/// finished, so a crash loses at most the step under way and a resumed job skips exactly the finished ones. The engine
/// alone pauses, times, tunes and checkpoints; the steps (<see cref="IPipelineStep"/>) only do their work. Heavy work
/// is set-based SQL and binary COPY; rows never gather in memory.
/// </summary>
public sealed class PipelineEngine
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PipelineOptions _options;
    private readonly IReadOnlyList<IPipelineStep> _steps;

    /// <param name="steps">One for each <see cref="PipelineStep"/>; walked in that order.</param>
    internal PipelineEngine(NpgsqlDataSource dataSource, IOptions<PipelineOptions> options, IEnumerable<IPipelineStep> steps)
    {
        (_dataSource, _options) = (dataSource, options.Value);
        _steps = steps.OrderBy(s => s.Step).ToList();
        if (!_steps.Select(s => s.Step).SequenceEqual(Enum.GetValues<PipelineStep>()))
            throw new InvalidOperationException($"The engine needs one step for each of {string.Join(", ", Enum.GetValues<PipelineStep>())}; it got {string.Join(", ", _steps.Select(s => s.Step))}.");
    }

    public async Task<PipelineOutcome> RunAsync(PipelineJob job, IRunCheckpoint checkpoint, CancellationToken ct)
    {
        var run = new RunScope(job, RunPlan.For(job), checkpoint, _dataSource, _options);
        await using var conn = await _dataSource.OpenConnectionAsync(ct);
        await using (var create = new NpgsqlCommand(StagingLayout.CreateSql(job.Schema), conn)) await create.ExecuteNonQueryAsync(ct);
        var finished = await checkpoint.FinishedStepsAsync(ct);
        if (!await WorkingTablesIntactAsync(conn, job.Schema, ct)) finished = new HashSet<PipelineStep>();
        foreach (var step in _steps)
        {
            if (finished.Contains(step.Step)) continue;
            if (await checkpoint.PauseRequestedAsync(ct)) return new PipelineOutcome(false, step.Step);
            ct.ThrowIfCancellationRequested();
            await checkpoint.StepStartedAsync(step.Step, ct);
            await RunStepAsync(run, conn, step, ct);
        }
        return new PipelineOutcome(true, null);
    }

    /// <summary>The step and its checkpoint in one transaction; the row counts it recorded hold only if that commits.</summary>
    private static async Task RunStepAsync(RunScope run, NpgsqlConnection conn, IPipelineStep step, CancellationToken ct)
    {
        try
        {
            await using var ctx = await run.BeginAsync(conn, ct);
            var started = Stopwatch.GetTimestamp();
            var output = await step.RunAsync(ctx, ct);
            await run.Checkpoint.StepFinishedAsync(conn, ctx.Transaction, output.ToResult(step.Step, Stopwatch.GetElapsedTime(started)), ct);
            await ctx.Transaction.CommitAsync(ct);
            run.Counts.Commit();
        }
        finally { run.Counts.Discard(); }
    }

    /// <summary>
    /// False when finished steps' unlogged working tables were emptied by a server crash since they were written
    /// (<see cref="StagingLayout.Alive"/>); the run then starts again from extraction. Marks the tables as intact.
    /// </summary>
    private static async Task<bool> WorkingTablesIntactAsync(NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        var alive = Sql.Table(schema, StagingLayout.Alive);
        await using var cmd = new NpgsqlCommand($"""
            SELECT EXISTS (SELECT 1 FROM {alive});
            INSERT INTO {alive} (since) SELECT now() WHERE NOT EXISTS (SELECT 1 FROM {alive});
            """, conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
