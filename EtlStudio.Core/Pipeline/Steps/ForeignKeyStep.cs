namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 4 (feature 6): a record whose foreign-key value is not in the referenced column, as that table stands after
/// its own processing, is dropped; tables go parents first, so a child sees its parents' final rows.
/// <c>__m{i}</c> → <c>__f{i}</c> (the same table, renamed), without the engine's <c>_src</c>.
/// </summary>
internal static class ForeignKeyStep
{
    public static async Task<StepResult> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        long rowsIn = 0, rowsOut = 0, rejected = 0;
        await ctx.ExecAsync($"DELETE FROM {ctx.T(StagingLayout.Rejects)} WHERE step = 'ForeignKeys'", ct);
        var index = ctx.Task.Tables.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i);
        for (var i = 0; i < ctx.Task.Tables.Count; i++)
        {
            var table = ctx.Task.Tables[i];
            var sourceName = StepContext.Work("m", i);
            var source = ctx.T(sourceName);
            var targetName = StepContext.Work("f", i);
            var tableIn = await ctx.CountAsync(sourceName, ct);
            rowsIn += tableIn;
            await ctx.ExecAsync($"DROP TABLE IF EXISTS {ctx.T(targetName)}", ct);
            long tableRejected = 0;
            // One anti-join per key, in the task's order, deleting in place (far cheaper than writing every record that
            // has its parents into a new table): a record missing two parents goes with the first key's reason. The
            // orphans are found by a query of their own, which PostgreSQL runs in parallel (a DELETE never is), and
            // then deleted by row number: 2.9 s against 2.1 s for 2 M records against 3 M parents here.
            foreach (var fk in table.ForeignKeys)
            {
                var parent = ctx.T(StepContext.Work("f", index[fk.ReferencesTable]));
                var col = Sql.Ident(fk.Column);
                var orphans = ctx.T(StepContext.Scratch());
                await ctx.ExecAsync($"""
                    CREATE UNLOGGED TABLE {orphans} {Sql.Working} AS SELECT s._row FROM {source} s
                    WHERE s.{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{Sql.Ident(fk.ReferencesColumn)} = s.{col})
                    """, ct);
                tableRejected += await ctx.ExecAsync($"""
                    WITH gone AS (DELETE FROM {source} s USING {orphans} o WHERE o._row = s._row RETURNING s.*)
                    INSERT INTO {ctx.T(StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record)
                    SELECT 'ForeignKeys', @table, 'ForeignKey', @column, @column || ' ' || s.{col}::text || ' has no match in ' || @parent, _row, {FieldRuleStep.RecordJson("s", table)}
                    FROM gone s
                    """, ct, ("table", table.Name), ("column", fk.Column), ("parent", $"{fk.ReferencesTable}.{fk.ReferencesColumn}"));
                await ctx.ExecAsync($"DROP TABLE {orphans}", ct);
            }
            // Dropping a column only marks it dropped; the table is not rewritten.
            await ctx.ExecAsync($"ALTER TABLE {source} DROP COLUMN _src; ALTER TABLE {source} RENAME TO {Sql.Ident(targetName)}", ct);
            (rejected, rowsOut) = (rejected + tableRejected, rowsOut + tableIn - tableRejected);
            ctx.Counts.Set(targetName, tableIn - tableRejected);
        }
        return new StepResult(PipelineStep.ForeignKeys, rowsIn, rowsOut, rejected, DateTimeOffset.UtcNow - started);
    }
}
