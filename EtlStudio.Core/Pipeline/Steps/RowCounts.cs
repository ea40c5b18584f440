namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Row counts of the run's tables as the steps wrote them, so a step need not count (scan) a table the step before
/// it just wrote. Kept for one pass of the engine over a run; a step's counts hold once its transaction commits, and
/// a table nobody recorded (say, after a resume) is counted.
/// </summary>
internal sealed class RowCounts
{
    private readonly Dictionary<string, long> _committed = [];
    private Dictionary<string, long> _pending = [];

    public bool TryGet(string table, out long rows) => _pending.TryGetValue(table, out rows) || _committed.TryGetValue(table, out rows);

    /// <summary>Records what the step under way wrote into <paramref name="table"/>.</summary>
    public void Set(string table, long rows) => _pending[table] = rows;

    public void Commit()
    {
        foreach (var (table, rows) in _pending) _committed[table] = rows;
        _pending = [];
    }

    public void Discard() => _pending = [];
}
