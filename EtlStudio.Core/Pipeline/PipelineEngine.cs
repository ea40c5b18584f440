using EtlStudio.Core.Connections;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Pipeline.Steps;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// Runs the fixed steps of DESIGN.md §5 for one job in its staging schema on the application database. Each step runs
/// in one transaction that also records it as finished, so a crash loses at most the step under way and a resumed
/// job skips exactly the finished ones. Heavy work is set-based SQL and binary COPY; rows never gather in memory.
/// </summary>
public sealed class PipelineEngine(NpgsqlDataSource dataSource, ConnectionService connections, IHttpClientFactory httpClients,
    IOptions<PipelineOptions> options, TableAnonymizer anonymizer)
{
    private static readonly PipelineStep[] Steps = Enum.GetValues<PipelineStep>();

    public async Task<PipelineOutcome> RunAsync(PipelineJob job, IRunCheckpoint checkpoint, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using (var create = new NpgsqlCommand(StagingLayout.CreateSql(job.Schema), conn)) await create.ExecuteNonQueryAsync(ct);
        var finished = await checkpoint.FinishedStepsAsync(ct);
        var counts = new RowCounts();
        if (!await WorkingTablesIntactAsync(conn, job.Schema, ct)) finished = new HashSet<PipelineStep>();
        foreach (var step in Steps)
        {
            if (finished.Contains(step)) continue;
            if (await checkpoint.PauseRequestedAsync(ct)) return new PipelineOutcome(false, step);
            ct.ThrowIfCancellationRequested();
            await checkpoint.StepStartedAsync(step, ct);
            await RunStepAsync(conn, job, step, checkpoint, counts, ct);
        }
        return new PipelineOutcome(true, null);
    }

    private async Task RunStepAsync(NpgsqlConnection conn, PipelineJob job, PipelineStep step, IRunCheckpoint checkpoint, RowCounts counts, CancellationToken ct)
    {
        async Task InTransaction(Func<StepContext, Task> work)
        {
            try
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await TuneAsync(conn, tx, ct);
                await work(new StepContext(conn, tx, job.Schema, job.Task, job.Seed, job.SampleRows, checkpoint, new SideConnections(dataSource, (c, t) => TuneAsync(c, null, t)), counts));
                await tx.CommitAsync(ct);
                counts.Commit();
            }
            finally { counts.Discard(); }
        }

        await InTransaction(async ctx =>
        {
            StepResult result;
            switch (step)
            {
                case PipelineStep.Extract:
                    result = await new ExtractStep(SourceAsync, httpClients.CreateClient("connections"), dataSource, options.Value).RunAsync(ctx, ct);
                    break;
                case PipelineStep.FieldRules:
                    result = await FieldRuleStep.RunAsync(ctx, ct);
                    break;
                case PipelineStep.Merge:
                    result = await MergeStep.RunAsync(ctx, ct);
                    break;
                case PipelineStep.ForeignKeys:
                    result = await ForeignKeyStep.RunAsync(ctx, ct);
                    break;
                case PipelineStep.Transform:
                    // The scripts commit on a connection of their own; their preparation commits first, on a second transaction.
                    await using (var prepConn = await dataSource.OpenConnectionAsync(ct))
                    {
                        async Task Prepare(Func<StepContext, Task> work)
                        {
                            await using var tx = await prepConn.BeginTransactionAsync(ct);
                            await TuneAsync(prepConn, tx, ct);
                            await work(new StepContext(prepConn, tx, job.Schema, job.Task, job.Seed, job.SampleRows, checkpoint, counts: counts));
                            await tx.CommitAsync(ct);
                        }
                        result = await new TransformStep(dataSource, options.Value).RunAsync(Prepare, ctx, Sandbox.RoleFor(job.RunId), ct);
                    }
                    break;
                case PipelineStep.Anonymize:
                    var (anonymized, report) = await AnonymizeStep.RunAsync(ctx, anonymizer, ct);
                    result = anonymized with { Report = report };
                    break;
                default:
                    result = await OutboxStep.RunAsync(ctx, ct);
                    break;
            }
            await checkpoint.StepFinishedAsync(ctx.Connection, ctx.Transaction, result, ct);
        });
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

    /// <summary>For this transaction only, the step's memory and planner settings (<see cref="SessionTuning"/>).</summary>
    private Task TuneAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct) => SessionTuning.ApplyAsync(conn, tx, options.Value, ct);

    private async Task<(string Name, ConnectionSecret Secret)> SourceAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT name FROM app.connections WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        var name = (string?)await cmd.ExecuteScalarAsync(ct) ?? throw new PipelineFailure(PipelineStep.Extract, $"Source connection {id} no longer exists.");
        return (name, await connections.GetSecretAsync(id, ct));
    }
}
