using EtlStudio.Core.Common;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 6 (feature 7): each task table with anonymized, quasi-identifier or sensitive columns goes through the
/// <see cref="TableAnonymizer"/>, as the run's plan says (<see cref="TablePlan.AnonymizationRequest"/>); every task
/// table is then listed in the outbox catalog with its final columns and types, and the privacy report is kept with the
/// step. Tables go parents first: a record whose foreign key points at a record the anonymization removed is removed
/// too, before its own table is anonymized (so that its k is measured on what is published), each a reject of its own
/// — a published outbox holds no dangling foreign key. Within a table whose foreign key refers to the table itself,
/// removals cascade down the chain before it is anonymized (<see cref="SelfReferences"/>).
/// </summary>
internal sealed class AnonymizeStep(TableAnonymizer anonymizer) : IPipelineStep
{
    public PipelineStep Step => PipelineStep.Anonymize;

    public async Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct)
    {
        long rowsIn = 0, rowsOut = 0, rejected = 0;
        var reports = new List<TablePrivacyReport>();
        // An earlier attempt's rejects (a retried step) are forgotten, so they are not counted twice.
        await ctx.ExecAsync($"DELETE FROM {ctx.T(StagingLayout.Catalog)}; DELETE FROM {ctx.T(StagingLayout.Rejects)} WHERE step = @step", ct,
            ("step", AnonymizationRejects.Step));
        // The tables that lost records in this step, with the table each publishes its other columns in (itself, or QIT).
        var lost = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var plan in ctx.Plan.Tables)
        {
            var (i, table) = (plan.Index, plan.Table);
            if (plan.AnonymizationRefused is { } refused) throw DomainException.Precondition(refused);
            var n = await ctx.CountAsync(table.Name, ct);
            var withParent = await RemoveOrphansAsync(ctx, table, lost, ct);
            var (suppressedBefore, withOwnParent) = await SelfReferences.SettleAsync(ctx, plan, n - withParent, ct);
            withParent += withOwnParent;
            if (withParent + suppressedBefore > 0) ctx.Counts.Set(table.Name, n - withParent - suppressedBefore);
            var removedHere = withParent + suppressedBefore;
            IReadOnlyList<OutboxTable> tables;
            if (plan.AnonymizationRequest is { } request)
            {
                var baseline = await Privacy.AnonymizationBaseline.BeforeAsync(ctx.Connection, ctx.Schema, table, ct);
                // Side connections read committed tables only: a table just rid of records in this transaction is anonymized on it.
                var result = await anonymizer.ApplyAsync(ctx.Connection, request with { Rows = n - withParent - suppressedBefore }, ct,
                    removedHere > 0 ? null : ctx.Side);
                // Anything removed now would leave records of the table pointing at nothing (SettleAsync refuses anatomy there).
                if (SelfReferences.Of(table).Any() && result.RowsRejected > 0)
                    throw new InvalidOperationException($"{table.Name}: the anonymization removed records after the chain of its own foreign key was settled.");
                // QIT and ST hold a row per published record, like a table published whole.
                foreach (var t in result.Tables) ctx.Counts.Set(t.Name, result.RowsOut);
                (rowsIn, rowsOut, rejected) = (rowsIn + n, rowsOut + result.RowsOut, rejected + removedHere + result.RowsRejected);
                reports.Add(result.Report with
                {
                    RecordsRemovedWithParent = withParent, RecordsIn = n, RecordsSuppressed = result.Report.RecordsSuppressed + suppressedBefore,
                    Baselines = await baseline.AfterAsync(ctx.Connection, ctx.Schema, result.Tables, ct),
                });
                tables = result.Tables;
                removedHere += result.RowsRejected;
            }
            else
            {
                (rowsIn, rowsOut, rejected) = (rowsIn + n, rowsOut + n - withParent, rejected + withParent);
                if (withParent > 0)
                    reports.Add(new TablePrivacyReport(table.Name, [], null, null, 0, 0, null, null, [], withParent, RecordsIn: n));
                tables = [new OutboxTable(table.Name, i, table.Columns.Select(c => new OutboxColumn(c.Name, c.Type)).ToList(), table.PrimaryKey, table.Name)];
            }
            foreach (var t in tables) await OutboxCatalogWriter.AddAsync(ctx, t, ct);
            if (removedHere > 0) lost[table.Name] = tables[0].Name;
        }
        return new StepOutput(rowsIn, rowsOut, rejected, new PrivacyReport(reports));
    }

    /// <summary>
    /// Files as rejects the records of <paramref name="table"/> whose foreign key points at a record this step removed
    /// from another table of <paramref name="lost"/>, unless the key is still published there. Returns how many went.
    /// </summary>
    private static async Task<long> RemoveOrphansAsync(StepContext ctx, ResolvedTable table, IReadOnlyDictionary<string, string> lost, CancellationToken ct)
    {
        long removed = 0;
        // A table's references to itself are settled apart (SelfReferences), once the records above them are gone.
        foreach (var fk in table.ForeignKeys.Where(f => f.ReferencesTable != table.Name && lost.ContainsKey(f.ReferencesTable)))
        {
            var parent = ctx.Task.Tables.First(t => t.Name == fk.ReferencesTable);
            // Where the key is published as it was staged, a key removed from one record but kept in another still matches.
            var published = parent.Columns.First(c => c.Name == fk.ReferencesColumn).Anonymization is null ? lost[parent.Name] : null;
            removed += await RemoveChildrenAsync(ctx, table, fk, published, ct);
        }
        return removed;
    }

    /// <summary>
    /// Files as rejects the records of <paramref name="table"/> whose key <paramref name="fk"/> points at a record this
    /// step removed (found by its key among the step's rejects, whose records are as staged), with the reason that
    /// record went; unless the key is still in <paramref name="published"/> (when given). Returns how many went.
    /// </summary>
    internal static async Task<long> RemoveChildrenAsync(StepContext ctx, ResolvedTable table, ForeignKeyConfig fk, string? published, CancellationToken ct)
    {
        var parent = ctx.Task.Tables.First(t => t.Name == fk.ReferencesTable);
        var key = parent.Columns.First(c => c.Name == fk.ReferencesColumn);
        var gone = ctx.T(StepContext.Scratch());
        (string, object?)[] p = [("step", AnonymizationRejects.Step), ("parent", parent.Name), ("key", key.Name), ("column", fk.Column), ("rule", AnonymizationRejects.ParentRemoved)];
        await ctx.ExecAsync($"""
            CREATE UNLOGGED TABLE {gone} {Sql.Working} AS
            SELECT DISTINCT ON (_key) (record ->> @key)::{Sql.TypeOf(key.Type)} AS _key, rule AS _rule FROM {ctx.T(StagingLayout.Rejects)}
            WHERE step = @step AND table_name = @parent AND record ->> @key IS NOT NULL ORDER BY _key, id;
            ANALYZE {gone}
            """, ct, p);
        var stillThere = published is null
            ? "true"
            : $"NOT EXISTS (SELECT 1 FROM {ctx.T(published)} k WHERE k.{Sql.Ident(key.Name)} = s.{Sql.Ident(fk.Column)})";
        var removed = await RejectFiling.MoveAsync(ctx.Connection, ctx, PipelineStep.Anonymize, table, ctx.T(table.Name),
            $"JOIN {gone} g ON g._key = s.{Sql.Ident(fk.Column)}", stillThere, "@rule", "@column",
            $"'parent ' || @parent || '.' || @key || ' ' || s.{Sql.Ident(fk.Column)}::text || ' removed by ' || g._rule", ct, p);
        await ctx.ExecAsync($"DROP TABLE {gone}", ct);
        return removed;
    }
}
