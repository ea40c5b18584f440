namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 4 (feature 6): a record whose foreign-key value is not in the referenced column, as that table stands after
/// its own processing, is dropped; tables go parents first (<see cref="RunPlan.Tables"/>), so a child sees its parents'
/// final rows.
/// <c>__m{i}</c> → <c>__f{i}</c> (the same table, renamed), without the engine's <c>_src</c>.
/// </summary>
internal sealed class ForeignKeyStep : IPipelineStep
{
    public PipelineStep Step => PipelineStep.ForeignKeys;

    public async Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var outputs = new List<StepOutput>();
        await ctx.ExecAsync($"DELETE FROM {ctx.T(StagingLayout.Rejects)} WHERE step = @step", ct, ("step", PipelineStep.ForeignKeys.ToString()));
        foreach (var plan in ctx.Plan.Tables)
        {
            var (i, table) = (plan.Index, plan.Table);
            var sourceName = StepContext.Work("m", i);
            var source = ctx.T(sourceName);
            var targetName = StepContext.Work("f", i);
            var tableIn = await ctx.CountAsync(sourceName, ct);
            await ctx.ExecAsync($"DROP TABLE IF EXISTS {ctx.T(targetName)}", ct);
            long tableRejected = 0;
            // One anti-join per key, in the task's order, deleting in place (far cheaper than writing every record that
            // has its parents into a new table): a record missing two parents goes with the first key's reason. Keys to
            // the table itself come last and are repeated until nothing more goes: a record removed for any reason takes
            // the records that refer to it along, down the chain.
            var (own, others) = (table.ForeignKeys.Where(f => f.ReferencesTable == table.Name).ToList(), table.ForeignKeys.Where(f => f.ReferencesTable != table.Name));
            foreach (var fk in others)
                tableRejected += await RemoveOrphansAsync(ctx, table, source, fk, ctx.T(StepContext.Work("f", ctx.Plan.Table(fk.ReferencesTable).Index)), ct);
            for (long removed = own.Count; removed > 0; tableRejected += removed)
            {
                removed = 0;
                foreach (var fk in own) removed += await RemoveOrphansAsync(ctx, table, source, fk, source, ct);
            }
            // Dropping a column only marks it dropped; the table is not rewritten.
            await ctx.ExecAsync($"ALTER TABLE {source} DROP COLUMN _src; ALTER TABLE {source} RENAME TO {Sql.Ident(targetName)}", ct);
            ctx.Counts.Set(targetName, tableIn - tableRejected);
            outputs.Add(StepOutput.Dropping(tableIn, tableRejected));
        }
        return StepOutput.Sum(outputs);
    }

    /// <summary>Files as rejects the records of <paramref name="source"/> whose key <paramref name="fk"/> has no match in <paramref name="parent"/>.</summary>
    private static Task<long> RemoveOrphansAsync(StepContext ctx, Tasks.ResolvedTable table, string source, Tasks.ForeignKeyConfig fk, string parent, CancellationToken ct)
    {
        var col = Sql.Ident(fk.Column);
        return RejectFiling.MoveAsync(ctx.Connection, ctx, PipelineStep.ForeignKeys, table, source, "",
            $"s.{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{Sql.Ident(fk.ReferencesColumn)} = s.{col})",
            "'ForeignKey'", "@column", $"@column || ' ' || s.{col}::text || ' has no match in ' || @parent", ct,
            ("column", fk.Column), ("parent", $"{fk.ReferencesTable}.{fk.ReferencesColumn}"));
    }
}
