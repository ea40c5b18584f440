using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// A table whose foreign key refers to the table itself (a manager in the same staff table). When the anonymization
/// step removes one of its records, the records under it go too, down the chain; k-anonymity is then measured on what
/// is left, which may make another class small, whose records take theirs along in turn. All of it is settled before
/// the table is anonymized, so the anonymization finds nothing more to remove and the published table refers only to
/// records it publishes.
/// </summary>
internal static class SelfReferences
{
    public static IEnumerable<ForeignKeyConfig> Of(ResolvedTable table) => table.ForeignKeys.Where(f => f.ReferencesTable == table.Name);

    /// <summary>
    /// Removes, until nothing more goes, the records under a removed record and (when the table's anonymization asks
    /// for k) the records of the classes smaller than k, each filed as a reject. Returns how many of each went.
    /// </summary>
    /// <param name="rows">The table's records as the step found them, less those it removed with a parent in another table.</param>
    public static async Task<(long Suppressed, long WithParent)> SettleAsync(StepContext ctx, TablePlan tablePlan, long rows, CancellationToken ct)
    {
        var table = tablePlan.Table;
        var keys = Of(table).ToList();
        if (keys.Count == 0) return (0, 0);
        var (request, plan) = (tablePlan.AnonymizationRequest is { } r ? r with { Rows = rows } : null, tablePlan.Anonymization);
        // Anatomy's removals (over the l cap) come as it deals the groups; taking records out after that would undo its l.
        if (plan?.Anatomized is { } anatomized)
            throw new PipelineFailure(PipelineStep.Anonymize, $"Table {table.Name}: its foreign key {keys[0].Column} refers to the table itself, so "
                + $"{anatomized.Name} cannot be anatomized: records anatomy leaves out would leave the records under them pointing at nothing.");
        long suppressed = 0, withParent = 0;
        while (true)
        {
            for (long removed = 1; removed > 0; withParent += removed)
            {
                removed = 0;
                foreach (var fk in keys) removed += await AnonymizeStep.RemoveChildrenAsync(ctx, table, fk, table.Name, ct);
            }
            if (plan?.K is null || plan.QuasiIdentifiers.Count == 0) return (suppressed, withParent);
            var small = await KAnonymityFilter.SmallClassesAsync(ctx.Connection, request!, plan, ct);
            if (small is null) return (suppressed, withParent);
            suppressed += await KAnonymityFilter.RemoveAsync(ctx.Connection, request!, plan, small, ct);
            await ctx.ExecAsync($"DROP TABLE {small}", ct);
        }
    }
}
