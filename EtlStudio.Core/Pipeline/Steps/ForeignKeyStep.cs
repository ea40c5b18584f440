namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 4 (feature 6): a record whose foreign-key value is not in the referenced column, as that table stands after
/// its own processing, is dropped; tables go parents first, so a child sees its parents' final rows.
/// <c>__m{i}</c> → <c>__f{i}</c>, without the engine's <c>_src</c>.
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
            var target = ctx.T(StepContext.Work("f", i));
            rowsIn += await ctx.CountAsync(sourceName, ct);
            var columns = string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)));
            var missing = table.ForeignKeys.Select(fk =>
            {
                var parent = ctx.T(StepContext.Work("f", index[fk.ReferencesTable]));
                var col = Sql.Ident(fk.Column);
                var cond = $"{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{Sql.Ident(fk.ReferencesColumn)} = s.{col})";
                return (fk, cond);
            }).ToList();
            foreach (var fk in table.ForeignKeys.Select(f => f.ReferencesColumn == ctx.Task.Tables[index[f.ReferencesTable]].PrimaryKey ? null : f).OfType<Tasks.ForeignKeyConfig>().DistinctBy(f => (f.ReferencesTable, f.ReferencesColumn)))
                await ctx.ExecAsync($"CREATE INDEX ON {ctx.T(StepContext.Work("f", index[fk.ReferencesTable]))} ({Sql.Ident(fk.ReferencesColumn)})", ct);
            await ctx.ExecAsync($"DROP TABLE IF EXISTS {target}", ct);
            if (missing.Count == 0)
            {
                await ctx.ExecAsync($"CREATE TABLE {target} AS SELECT _row, {columns} FROM {source}", ct);
            }
            else
            {
                var any = string.Join(" OR ", missing.Select(m => $"({m.cond})"));
                var which = "CASE " + string.Join(" ", missing.Select((m, k) => $"WHEN {m.cond} THEN {k}")) + " END";
                var reasons = missing.Select((m, k) =>
                    $"WHEN {k} THEN '{m.fk.Column} ' || s.{Sql.Ident(m.fk.Column)}::text || ' has no match in {m.fk.ReferencesTable}.{m.fk.ReferencesColumn}'");
                var columnsCase = missing.Select((m, k) => $"WHEN {k} THEN '{m.fk.Column}'");
                rejected += await ctx.ExecAsync($"""
                    INSERT INTO {ctx.T(StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record)
                    SELECT 'ForeignKeys', @table, 'ForeignKey', CASE _k {string.Join(" ", columnsCase)} END,
                           CASE _k {string.Join(" ", reasons)} END, _row, {FieldRuleStep.RecordJson("s")} - '_k'
                    FROM (SELECT s.*, {which} AS _k FROM {source} s WHERE {any}) s
                    """, ct, ("table", table.Name));
                await ctx.ExecAsync($"CREATE TABLE {target} AS SELECT _row, {columns} FROM {source} s WHERE NOT ({any})", ct);
            }
            await ctx.ExecAsync($"ALTER TABLE {target} ADD PRIMARY KEY (_row)" + (table.PrimaryKey is { } pk ? $"; ALTER TABLE {target} ADD UNIQUE ({Sql.Ident(pk)})" : ""), ct);
            rowsOut += await ctx.CountAsync(StepContext.Work("f", i), ct);
        }
        // Parents are read by later children, so the merged tables go only once every table is checked.
        for (var i = 0; i < ctx.Task.Tables.Count; i++) await ctx.ExecAsync($"DROP TABLE IF EXISTS {ctx.T(StepContext.Work("m", i))}", ct);
        return new StepResult(PipelineStep.ForeignKeys, rowsIn, rowsOut, rejected, DateTimeOffset.UtcNow - started);
    }
}
