using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// What each kept record publishes that depends on other records or on chance: its anatomy group (<see cref="AnatomyDealing"/>),
/// its permuted values (<see cref="AcrossShuffle"/>, <see cref="WithinShuffle"/>, <see cref="HeldShuffle"/>) and its noise
/// draws (<see cref="NoiseDraws"/>) — narrow scratch tables of <c>_row</c> and <c>_anon_…</c> columns, one row per
/// record not in a small class, that the published write joins. The noise draws ride with the first table.
/// </summary>
internal sealed class RecordChoices
{
    private RecordChoices(IReadOnlyList<(string Table, IReadOnlyList<string> Columns)> parts, long? fewestInAGroup) =>
        (Parts, FewestInAGroup) = (parts, fewestInAGroup);

    /// <summary>
    /// When anatomized and the groups were counted: the fewest records dealt to a group (null when none was). A
    /// value's records land in distinct groups, so once ST's key (group, value) holds, this is the fewest distinct
    /// values in a group of ST — what <see cref="PrivacyReporter.FewestValuesInAGroupAsync"/> measures, without reading ST again.
    /// </summary>
    public long? FewestInAGroup { get; }

    /// <summary>The tables (schema-qualified) with their columns besides <c>_row</c> and the noise draws.</summary>
    public IReadOnlyList<(string Table, IReadOnlyList<string> Columns)> Parts { get; }

    public IEnumerable<string> Tables => Parts.Select(p => p.Table);

    /// <summary>
    /// Every choice column: <c>_anon_vid</c>, <c>_anon_f</c>, <c>_anon_grp</c> when anatomized, <c>_anon_v{n}</c> per
    /// permuted column.
    /// </summary>
    public IEnumerable<string> Columns => Parts.SelectMany(p => p.Columns);

    /// <summary>Whether a table needs the pass: it is permuted or anatomized (perturbation alone hashes in the published write).</summary>
    public static bool Needed(AnonymizationPlan plan) => plan.Permuted.Count > 0 || plan.Anatomized is not null;

    /// <summary>
    /// Whether the noise draws are made in this process (<see cref="NoiseDraws"/>, keyed AES) rather than hashed in SQL
    /// (<see cref="RowDraws"/>): when some pass of this process visits every kept record anyway — the anatomy's, or a
    /// shuffle across the table.
    /// </summary>
    public static bool DrawsInProcess(AnonymizationPlan plan) => plan.Anatomized is not null || Across(plan).Any();

    /// <summary>Choices of the noise draws alone, from a table of <c>_row</c> and the draws (<see cref="ReferenceAnonymizer"/>).</summary>
    public static RecordChoices OfDraws(string table) => new([(table, [])], null);

    /// <summary>The joins from the staged table (alias <paramref name="s"/>) to the parts (aliases <c>c0</c>, <c>c1</c>) and the columns they give.</summary>
    public (string Joins, IReadOnlyList<string> Columns) Join(IReadOnlyList<string> uniforms)
    {
        var rowId = Sql.Ident(StagingLayout.RowId);
        var joins = string.Concat(Parts.Select((p, i) => $" JOIN {p.Table} c{i} USING ({rowId})"));
        // The draws ride with the first part.
        var columns = uniforms.Select(u => "c0." + u).Concat(Parts.SelectMany((p, i) => p.Columns.Select(c => $"c{i}.{c}"))).ToList();
        return (joins, columns);
    }

    /// <summary>The key of one use of randomness in this process, from the run's seed.</summary>
    internal static KeyedRandom Random(AnonymizationRequest r, string purpose) => KeyedRandom.For(r.Seed, $"{r.Table}/{purpose}");

    /// <summary>Works out the choices of the records not in a small class, as <paramref name="strategy"/> says.</summary>
    /// <param name="held">The shuffles across the table already worked out in memory, when anatomized (<see cref="HeldShuffle"/>).</param>
    /// <param name="dealt">When anatomized: ST and QIT written as the records are dealt, where the strategy says so.</param>
    public static async Task<RecordChoices> CreateAsync(TableScope s, AnonymizationStrategy strategy, Anatomy? anatomy, HeldShuffle? held,
        AnatomyDealing.Outputs dealt, CancellationToken ct)
    {
        var (r, plan) = (s.Request, s.Plan);
        var across = Across(plan).Where(x => held?.Indexes.Contains(x.Index) != true).ToList();
        var within = Shuffles(plan).Where(x => x.Within).Select(x => (x.Column, x.Index)).ToList();
        // The noise draws, which this process computes: each purpose and the column that holds it.
        var hashed = PublishedRows.For(r, plan, new SqlParameters());
        var uniforms = hashed.UniformPurposes.Zip(hashed.Uniforms).ToList();
        var parts = new List<(string, IReadOnlyList<string>)>();
        var kept = held?.Kept ?? new RowSet();
        var groupSizes = anatomy is not null && strategy.LReached == AnonymizationStrategy.Measuring.Counted ? new int[anatomy.Groups + 1] : null;
        // Records the anatomy rejects (over the cap) are published nowhere, so no shuffle hands their values to others.
        string? underCap = null;

        if (anatomy is not null)
        {
            var table = Sql.Table(r.Schema, Scratch.Name());
            if (anatomy.OverCap) underCap = table;
            await AnatomyDealing.DealAsync(s, anatomy, strategy.Reading == AnonymizationStrategy.AnatomyReading.SortedByValue, uniforms,
                across.Count > 0 && held is null ? kept : null, held, groupSizes, table, dealt, ct);
            parts.Add((table, [.. Anatomy.ChoiceNames, .. held?.ChoiceColumns.Select(c => c.Name) ?? []]));
        }
        else if (across.Count > 0)
        {
            await AcrossShuffle.KeptAsync(s, kept, ct);
        }
        kept.Seal();
        foreach (var (column, index) in across)
        {
            var table = Sql.Table(r.Schema, Scratch.Name());
            await AcrossShuffle.ShuffleAsync(s, underCap, column, index, parts.Count == 0 ? uniforms : [], kept, table, ct);
            parts.Add((table, [ColumnPermutation.Alias(index)]));
        }
        if (within.Count > 0)
        {
            var table = Sql.Table(r.Schema, Scratch.Name());
            var withDraws = parts.Count == 0;
            // Beside the step's transaction, like the other choices: the published write reads it on another connection.
            await SideConnections.RunAsync(s.Connection, s.Side, ct, null, (c, t) => WithinShuffle.ShuffleAsync(s with { Connection = c }, underCap, within, withDraws, table, t));
            parts.Add((table, within.Select(x => ColumnPermutation.Alias(x.Index)).ToList()));
        }
        return new RecordChoices(parts, groupSizes is null ? null : groupSizes.Skip(1).Where(n => n > 0).Select(n => (long?)n).Min());
    }

    /// <summary>The permuted columns with their index among them, and whether each is shuffled within equivalence classes.</summary>
    public static IEnumerable<(ResolvedColumn Column, int Index, bool Within)> Shuffles(AnonymizationPlan plan) =>
        // Without quasi-identifiers the whole table is one class.
        plan.Permuted.Select((x, i) => (x.Column, i, x.WithinGroups && plan.QuasiIdentifiers.Count > 0));

    /// <summary>The columns shuffled across the whole table, with their index among the permuted columns.</summary>
    public static IEnumerable<(ResolvedColumn Column, int Index)> Across(AnonymizationPlan plan) =>
        Shuffles(plan).Where(x => !x.Within).Select(x => (x.Column, x.Index));

    /// <summary>A record without a row number (one an Update transformation inserted without it) has no place in a permutation or a group.</summary>
    internal static PipelineFailure NoRowNumber(string table) =>
        new(PipelineStep.Anonymize, $"Table {table}: a record has no row number (_row); rows a transformation adds must be given one.");

    internal static void Keep(AnonymizationRequest r, RowSet kept, long row)
    {
        if (!kept.Add(row))
            throw new PipelineFailure(PipelineStep.Anonymize, $"Table {r.Table}: row number {row} is beyond what a permutation of the table can number (0 to {RowSet.MaxSpan - 1}).");
    }
}
