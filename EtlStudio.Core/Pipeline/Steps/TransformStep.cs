using System.Security.Cryptography;
using EtlStudio.Core.Scripts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 5: the task's transformation scripts, in order, run by a login role made for this run alone: it can use and
/// create in this run's schema and touch the task's tables, nothing else (no application tables, no server files or
/// programs), under a statement timeout. The scripts run on their own connection, so the step goes in three
/// commits: prepare (working copies, role) apart from the step (<see cref="StepContext.BeginApartAsync"/>), scripts,
/// then hand-over and checkpoint in the step's transaction; a retry starts again from copies.
/// </summary>
internal sealed class TransformStep(NpgsqlDataSource dataSource, IOptions<PipelineOptions> options) : IPipelineStep
{
    private readonly PipelineOptions _options = options.Value;

    public PipelineStep Step => PipelineStep.Transform;

    public async Task<StepOutput> RunAsync(StepContext final, CancellationToken ct)
    {
        var task = final.Task;
        if (task.Transformations.Count == 0)
        {
            long rows = 0;
            for (var i = 0; i < task.Tables.Count; i++)
            {
                var n = await final.CountAsync(StepContext.Work("f", i), ct);
                await final.ExecAsync($"DROP TABLE IF EXISTS {final.T(task.Tables[i].Name)}; ALTER TABLE {final.T(StepContext.Work("f", i))} RENAME TO {Sql.Ident(task.Tables[i].Name)}", ct);
                final.Counts.Set(task.Tables[i].Name, n);
                rows += n;
            }
            return new StepOutput(rows, rows, 0);
        }

        var role = Sandbox.RoleFor(final.RunId);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var targets = task.Transformations.Where(t => t.Type == TransformationType.Merge && t.TargetTable is not null).Select(t => t.TargetTable!).Distinct().ToList();
        // Scripts that only read the task's tables (Merge) get them as they are, read-only: a failed attempt leaves them
        // untouched. Update scripts change them, so they get copies and a retry starts again from the originals.
        var readOnly = final.Plan.TransformationsOnlyRead;
        long rowsIn = 0;
        await using (var ctx = await final.BeginApartAsync(ct))
        {
            foreach (var target in targets) await ctx.ExecAsync($"DROP TABLE IF EXISTS {ctx.T(target)}", ct);
            for (var i = 0; i < task.Tables.Count; i++)
            {
                var (working, name) = (ctx.T(StepContext.Work("f", i)), ctx.T(task.Tables[i].Name));
                if (!readOnly || await ctx.ExistsAsync(StepContext.Work("f", i), ct))
                {
                    var n = await ctx.CountAsync(StepContext.Work("f", i), ct);
                    await ctx.ExecAsync(readOnly
                        ? $"DROP TABLE IF EXISTS {name}; ALTER TABLE {working} RENAME TO {Sql.Ident(task.Tables[i].Name)}"
                        : $"DROP TABLE IF EXISTS {name}; CREATE UNLOGGED TABLE {name} {Sql.Working} AS TABLE {working}", ct);
                    ctx.Counts.Set(task.Tables[i].Name, n);
                }
                rowsIn += await ctx.CountAsync(task.Tables[i].Name, ct);
            }
            // The scripts are planned with the tables' statistics, not the planner's guesses for a table never analyzed
            // (200 groups for any GROUP BY, whatever the table holds).
            await ctx.ExecAsync($"ANALYZE {string.Join(", ", task.Tables.Select(t => ctx.T(t.Name)))}", ct);
            await Sandbox.CreateAsync(ctx, role, password, task.Tables.Select(t => t.Name), readOnly, PipelineOptions.Bytes(_options.TransformDiskSpace), ct);
            await ctx.Transaction.CommitAsync(ct);
        }
        try
        {
            // The scripts run on connections of their own, often on one core: the rejects' key and index are built beside
            // them (see StagingLayout.RejectsIndexSql), and so are the keys of the tables published as extracted, which
            // nothing changes after this step but deletions; committed apart like the outbox step's, which finds them made.
            var keyed = final.Side is null ? [] : final.Plan.Tables.Where(t => t.PublishedAsExtracted).Select(t => final.T(t.Table.Name)).ToList();
            await SideConnections.RunAsync(final.Connection, final.Side, ct,
                (_, t) => RunScriptsAsync(final, role, password, readOnly, t),
                [final.Side is null ? null : (c, t) => StepContext.ExecAsync(c, StagingLayout.RejectsIndexSql(final.Schema), t),
                 .. keyed.Select(table => (Func<NpgsqlConnection, CancellationToken, Task>)((c, t) => OutboxStep.KeyAsync(c, table, t)))]);
            // Before the application touches anything the scripts made (counting a view's rows would run its query as the application).
            await Sandbox.VerifyAsync(final, role, ct);
            await Sandbox.HandOverAsync(final, role, targets, ct);
        }
        catch (Exception failure)
        {
            try
            {
                await AbandonAsync(final, role);
            }
            catch (PipelineFailure cleanup) when (failure is PipelineFailure first)
            {
                throw new PipelineFailure(PipelineStep.Transform, $"{first.Message} {cleanup.Message}", first);
            }
            throw;
        }
        // Scripts that only read left the task's tables as they were counted; others are counted again.
        var rowsOut = readOnly ? rowsIn : 0;
        foreach (var name in readOnly ? [] : task.Tables.Select(t => t.Name))
        {
            var n = await StepContext.ExecScalarAsync(final.Connection, $"SELECT count(*) FROM {final.T(name)}", ct);
            final.Counts.Set(name, n);
            rowsOut += n;
        }
        foreach (var target in targets) rowsOut += await final.CountAsync(target, ct);
        for (var i = 0; i < task.Tables.Count; i++) await final.ExecAsync($"DROP TABLE IF EXISTS {final.T(StepContext.Work("f", i))}", ct);
        return new StepOutput(rowsIn, rowsOut, 0);
    }

    /// <summary>
    /// The step fails: its transaction goes first, so that nothing it locked (a target handed over) holds up the clean-up,
    /// which runs on a connection of its own.
    /// </summary>
    private async Task AbandonAsync(StepContext final, string role)
    {
        try { await final.Transaction.RollbackAsync(CancellationToken.None); }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { /* a broken connection took its locks with it */ }
        await Sandbox.DropAsync(dataSource, role, CancellationToken.None);
    }

    /// <param name="final">
    /// Whether no Update script runs: then each Merge target is final once written, so it is written as the outbox
    /// publishes it — typed, numbered (<c>_row</c>) and logged — rather than written here and again by the outbox step
    /// (writing a large result again costs more than the script that made it).
    /// </param>
    private async Task RunScriptsAsync(StepContext step, string role, string password, bool final, CancellationToken ct)
    {
        var schema = step.Schema;
        await using var conn = await step.OpenAsAsync(role, password, ct);
        // The statement timeout below is the first line; the script can lift it, so the watch enforces the limits from outside.
        await using var watch = SandboxWatch.Start(dataSource, conn.ProcessID, schema, _options);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var timeout = (long)_options.TransformTimeout.TotalMilliseconds;
        await using (var set = new NpgsqlCommand($"SET LOCAL statement_timeout = {timeout}", conn, tx)) await set.ExecuteNonQueryAsync(ct);
        // The parallel plans of the steps, with the transformations' own memory per sort or hash (see PipelineOptions.TransformWorkMemory).
        await SessionTuning.ApplyAsync(conn, tx, _options, ct, _options.TransformWorkMemory);
        foreach (var script in step.Task.Transformations.OrderBy(s => s.Order))
        {
            var body = script.Sql.Trim().TrimEnd(';');
            var target = script.TargetTable is { } name ? Sql.Ident(name) : null;
            var what = $"Transformation {script.Order} ({script.Type}{(script.TargetTable is { } t ? " into " + t : "")})";
            watch.NextScript();
            try
            {
                if (script.Type != TransformationType.Merge) await ExecAsync(conn, tx, body, ct);
                else if (!final)
                    // Unlogged like every working table; the outbox step types, numbers and logs it.
                    await ExecAsync(conn, tx, $"CREATE UNLOGGED TABLE {target} {Sql.Working} AS {body}", ct);
                else
                {
                    // The result's columns first, from the plan alone; then the one write.
                    await ExecAsync(conn, tx, $"CREATE UNLOGGED TABLE {target} AS {body}\nWITH NO DATA", ct);
                    var columns = OutboxStep.Published(await OutboxStep.ColumnsAsync(conn, tx, Sql.Table(schema, script.TargetTable!), ct));
                    await ExecAsync(conn, tx, $"DROP TABLE {target}; " + OutboxStep.NumberedSql(target!, columns, $"(\n{body}\n)"), ct);
                    await ExecAsync(conn, tx, $"COMMENT ON TABLE {target} IS '{OutboxStep.NumberedMarker}'", ct);
                }
            }
            catch (Exception e) when (watch.Breach is { } breach && e is NpgsqlException or InvalidOperationException)
            {
                throw new PipelineFailure(PipelineStep.Transform, $"{what} {breach} and was stopped.", e);
            }
            catch (PostgresException pg)
            {
                throw new PipelineFailure(PipelineStep.Transform, pg.SqlState switch
                {
                    PostgresErrorCodes.QueryCanceled => $"{what} ran longer than {_options.TransformTimeout.TotalSeconds:0} s and was stopped.",
                    // temp_file_limit, which the sandbox role carries where it may be set (Sandbox.CreateAsync).
                    PostgresErrorCodes.ConfigurationLimitExceeded => $"{what} took more than {_options.TransformDiskSpace} of disk space (Pipeline:TransformDiskSpace) and was stopped.",
                    PostgresErrorCodes.InsufficientPrivilege => $"{what} was refused: {pg.MessageText}. Transformations may only use this run's tables.",
                    _ => $"{what} failed: {pg.MessageText}",
                }, pg);
            }
        }
        await tx.CommitAsync(ct);
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
