using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// What a run will do, worked out once from its task snapshot before the first step and handed to every step, so that
/// no step guesses what a later one does: the tables in the order the steps take them (parents first), which columns
/// each step may write, how each table is anonymized, and which tables reach the outbox as they were extracted.
/// </summary>
/// <param name="Tables">Every task table, parents before the tables whose foreign keys refer to them.</param>
/// <param name="TransformationsOnlyRead">
/// Whether every transformation is a Merge (a SELECT into a new table): then the task's tables leave the transform step
/// as they entered it; an Update script may change any of them.
/// </param>
internal sealed record RunPlan(IReadOnlyList<TablePlan> Tables, bool TransformationsOnlyRead)
{
    public static RunPlan For(PipelineJob job)
    {
        var onlyRead = job.Task.Transformations.All(t => t.Type == TransformationType.Merge);
        return new RunPlan(ParentsFirst(job.Task.Tables).Select(i => TablePlan.For(job, i, onlyRead)).ToList(), onlyRead);
    }

    /// <summary>
    /// The tables' places in the task, parents first, otherwise in the task's order (the task's resolver orders them so
    /// already; a snapshot is taken as it is). A table's references to itself, or to a table outside the task, do not
    /// hold it back.
    /// </summary>
    private static List<int> ParentsFirst(IReadOnlyList<ResolvedTable> tables)
    {
        var order = new List<int>();
        var pending = Enumerable.Range(0, tables.Count).ToList();
        while (pending.Count > 0)
        {
            var placed = order.Select(i => tables[i].Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            bool Waits(string parent) => pending.Any(p => string.Equals(tables[p].Name, parent, StringComparison.OrdinalIgnoreCase)) && !placed.Contains(parent);
            // A cycle (which the task's validation refuses) leaves the rest in the task's order.
            var next = pending.FirstOrDefault(i => tables[i].ForeignKeys.All(fk =>
                string.Equals(fk.ReferencesTable, tables[i].Name, StringComparison.OrdinalIgnoreCase) || !Waits(fk.ReferencesTable)), pending[0]);
            order.Add(next);
            pending.Remove(next);
        }
        return order;
    }

    /// <summary>The plan of the task table named <paramref name="name"/>.</summary>
    public TablePlan Table(string name) => Tables.First(t => t.Table.Name == name);
}
