using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 2 (features 3 and 4): values that did not convert, RemoveEmpty and RemoveOutOfRange drop the record (to
/// <c>_rejects</c> with the first reason found); FillEmpty puts the default; FillOutOfRange clamps to the nearer bound;
/// the Ignore strategies keep the value. Per table, in place: the rejected records are deleted (and filed) in one
/// pass, the records a fill or clamp changes are updated, and <c>__x{i}</c> becomes <c>__c{i}</c> — rewriting every
/// record for the few that change cost more than the rest of the step.
/// </summary>
internal sealed class FieldRuleStep : IPipelineStep
{
    public PipelineStep Step => PipelineStep.FieldRules;

    public async Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var tables = new List<StepOutput>();
        foreach (var plan in ctx.Plan.Tables)
        {
            var (i, table) = (plan.Index, plan.Table);
            var source = ctx.T(StepContext.Work("x", i));
            var parameters = new List<(string, object?)> { ("table", table.Name) };
            string P(object value)
            {
                parameters.Add(($"p{parameters.Count}", value is DateTimeOffset d ? d.UtcDateTime : value));
                return $"@p{parameters.Count - 1}";
            }

            // Each reject condition with its rule, column and reason, in the order they are checked.
            var checks = new List<(string When, string Rule, string? Column, string Reason)>
            {
                ("_bad_col IS NOT NULL", "Type", null, "_bad_col || ': ' || _bad_reason"),
            };
            var outputs = new List<(string Column, string Value, bool Rewritten)>();
            foreach (var rules in plan.FieldRules)
            {
                var c = rules.Column;
                // Qualified: the rejects' query also has the record's columns under their names (RejectFiling).
                var col = "s." + Sql.Ident(c.Name);
                var empty = c.Type == FieldType.String ? $"({col} IS NULL OR {col} = '')" : $"{col} IS NULL";
                var value = col;
                if (rules.RemoveEmpty)
                    checks.Add((empty, "RemoveEmpty", c.Name, P($"{c.Name} is empty")));
                if (rules.FillsEmpty)
                    value = $"CASE WHEN {empty} THEN {P(rules.Fill!)}::{Sql.TypeOf(c.Type)} ELSE {col} END";
                if (rules.Range is { } range)
                {
                    var min = rules.Min is { } lo ? $"{P(lo)}::{Sql.TypeOf(c.Type)}" : null;
                    var max = rules.Max is { } hi ? $"{P(hi)}::{Sql.TypeOf(c.Type)}" : null;
                    // An empty value is no range's business (the empty rules see to it): false, not NULL, so that the
                    // record is neither rejected nor lost between "rejected" and "NOT rejected". (Ranges are for numbers and dates.)
                    var present = $"{value} IS NOT NULL";
                    var outside = $"coalesce({present} AND (" + string.Join(" OR ", new[] { min is null ? null : $"{value} < {min}", max is null ? null : $"{value} > {max}" }.Where(x => x is not null)) + "), false)";
                    var interval = $"'[' || {(min is null ? "''" : min + "::text")} || ', ' || {(max is null ? "''" : max + "::text")} || ']'";
                    if (range == FieldRuleType.RemoveOutOfRange)
                        checks.Add(($"({outside})", "RemoveOutOfRange", c.Name, $"{P(c.Name + " ")} || ({value})::text || ' is outside ' || {interval}"));
                    else if (range == FieldRuleType.FillOutOfRange)
                    {
                        // Not GREATEST/LEAST: they skip NULL and would turn an empty value into the bound.
                        if (min is not null) value = $"CASE WHEN {present} AND {value} < {min} THEN {min} ELSE {value} END";
                        if (max is not null) value = $"CASE WHEN {present} AND {value} > {max} THEN {max} ELSE {value} END";
                    }
                }
                outputs.Add((c.Name, value, rules.Rewrites));
            }

            var rejectedWhen = string.Join(" OR ", checks.Select(k => $"({k.When})"));
            var rule = "CASE " + string.Join(" ", checks.Select(k => $"WHEN {k.When} THEN '{k.Rule}'")) + " END";
            var column = "CASE " + string.Join(" ", checks.Select(k => $"WHEN {k.When} THEN {(k.Column is null ? "_bad_col" : P(k.Column))}")) + " END";
            var reason = "CASE " + string.Join(" ", checks.Select(k => $"WHEN {k.When} THEN {k.Reason}")) + " END";
            var changed = outputs.Where(o => o.Rewritten).ToList();

            var cleaned = StepContext.Work("c", i);
            var tableIn = await ctx.CountAsync(StepContext.Work("x", i), ct);
            await ctx.ExecAsync($"DELETE FROM {ctx.T(StagingLayout.Rejects)} WHERE step = @step AND table_name = @table", ct, ("step", PipelineStep.FieldRules.ToString()), ("table", table.Name));
            var removed = await RejectFiling.MoveAsync(ctx.Connection, ctx, PipelineStep.FieldRules, table, source, "", rejectedWhen, rule, column, reason, ct, [.. parameters]);
            // Only the records a fill or clamp changes are written again (usually a few per cent).
            if (changed.Count > 0)
                await ctx.ExecAsync($"""
                    UPDATE {source} s SET {string.Join(", ", changed.Select(o => $"{Sql.Ident(o.Column)} = {o.Value}"))}
                    WHERE {string.Join(" OR ", changed.Select(o => $"({o.Value}) IS DISTINCT FROM s.{Sql.Ident(o.Column)}"))}
                    """, ct, [.. parameters]);
            // The conversion notes and the extraction's numbering are the engine's business only until here.
            await ctx.ExecAsync($"""
                ALTER TABLE {source} ALTER COLUMN _row DROP IDENTITY, DROP COLUMN _bad_col, DROP COLUMN _bad_reason;
                DROP TABLE IF EXISTS {ctx.T(cleaned)};
                ALTER TABLE {source} RENAME TO {Sql.Ident(cleaned)};
                """, ct);
            ctx.Counts.Set(cleaned, tableIn - removed);
            tables.Add(StepOutput.Dropping(tableIn, removed));
        }
        return StepOutput.Sum(tables);
    }
}
