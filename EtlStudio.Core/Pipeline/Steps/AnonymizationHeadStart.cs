using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// The anonymizer's reading of the tables (<see cref="TableAnonymizer.PrepareAsync"/>), done while the transformations
/// run when they only read the task's tables (which then stay as they are until the anonymization step), handed from
/// that step to the next within one engine run. Only a matter of time: a run resumed at the anonymization step, or a
/// table not read ahead, is read by the step itself; scratch tables left unused go with the other working tables.
/// </summary>
internal sealed class AnonymizationHeadStart
{
    private readonly Dictionary<string, TablePreparation> _tables = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Add(string table, TablePreparation prepared)
    {
        lock (_gate) _tables[table] = prepared;
    }

    /// <summary>The table's reading, once: a retried step reads the table again.</summary>
    public TablePreparation? Take(string table)
    {
        lock (_gate) return _tables.Remove(table, out var prepared) ? prepared : null;
    }

    public void Clear()
    {
        lock (_gate) _tables.Clear();
    }
}
