using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The staged table's rows as they will be published, before permutation and anatomization: generalization, value
/// suppression and perturbation as expressions over the table, which is never rewritten for them. Every phase reads
/// the table through this derived table, so each computes the same values; PostgreSQL computes only the columns a
/// phase uses. The random draws come from hashing each row (<see cref="RowDraws"/>) — the draws permutation and
/// anatomization order by are columns then (<see cref="Draw"/>) — or, for the published write, from the table of
/// per-record choices that one pass worked out (<see cref="RecordChoices"/>), joined instead of hashed again.
/// </summary>
internal sealed class PublishedRows
{
    private readonly Dictionary<string, string> _draws;
    private PublishedRows(string query, IReadOnlyList<OutboxColumn> columns, Dictionary<string, string> draws, IReadOnlyList<string> uniforms,
        IReadOnlyList<string> purposes) =>
        (Query, Columns, _draws, Uniforms, UniformPurposes) = (query, columns, draws, uniforms, purposes);

    /// <summary>A derived table (parenthesized, without alias): <c>_row</c>, every column under its own name, then the engine's columns.</summary>
    public string Query { get; }

    /// <summary>The columns with their published types (a generalized number is text).</summary>
    public IReadOnlyList<OutboxColumn> Columns { get; }

    /// <summary>The uniform draws perturbation uses, as columns of <see cref="Query"/> (<c>_anon_u{n}</c>, double precision).</summary>
    public IReadOnlyList<string> Uniforms { get; }

    /// <summary>What each of <see cref="Uniforms"/> is drawn for, in the same order (say <c>income/noise</c>).</summary>
    public IReadOnlyList<string> UniformPurposes { get; }

    /// <summary>
    /// The column giving a row's place in the staged table's storage order (its <c>ctid</c>), when asked for: the order
    /// a sequential scan reads the rows in, which ranks the records of an anatomized value.
    /// </summary>
    public const string StorageOrder = "_anon_at";

    /// <summary>The column holding the 56-bit draw of <paramref name="purpose"/>, when the rows are hashed.</summary>
    public string Draw(string purpose) => _draws[purpose];

    /// <summary>
    /// The purposes of the draws later phases order by (shuffles within classes; the other choices are drawn in this
    /// process, <see cref="RecordChoices"/>), in the order that fixes which hash and bits each takes.
    /// </summary>
    private static IReadOnlyList<string> Purposes(AnonymizationPlan plan) =>
        [.. plan.Permuted.Where(x => x.WithinGroups && plan.QuasiIdentifiers.Count > 0).Select(x => ColumnPermutation.Purpose(x.Column.Name))];

    /// <summary>The published rows of the request's table, hashed for their draws; parameters go to <paramref name="p"/>.</summary>
    public static PublishedRows For(AnonymizationRequest r, AnonymizationPlan plan, SqlParameters p) => Build(r, plan, p, null, null);

    /// <summary>
    /// The published rows with every perturbed column as it is, not hashed: for a pass that perturbs them itself
    /// (<see cref="DealtQit"/>), and so may read the table in parallel where it can.
    /// </summary>
    public static PublishedRows Unperturbed(AnonymizationRequest r, AnonymizationPlan plan, SqlParameters p, bool storageOrder = false) =>
        Build(r, plan, p, null, null, unperturbed: true, storageOrder: storageOrder);

    /// <summary>
    /// The published rows for a phase that reads only <paramref name="columns"/> (and <c>_row</c>) and no draw: when
    /// none of those columns is perturbed the rows are not hashed, and PostgreSQL may scan the table in parallel (the
    /// hashed rows come from subqueries it must not inline, which keep it on one core). The perturbed columns are then
    /// left out of <see cref="Query"/>, so a phase that reads one after all fails instead of publishing something else.
    /// </summary>
    /// <param name="storageOrder">Whether the rows carry <see cref="StorageOrder"/>.</param>
    public static PublishedRows Reading(AnonymizationRequest r, AnonymizationPlan plan, SqlParameters p, IEnumerable<string> columns, bool storageOrder = false) =>
        Build(r, plan, p, null, columns.ToHashSet(), storageOrder: storageOrder);

    /// <summary>
    /// The published rows of the records <paramref name="choices"/> holds (the kept ones), with its draws and, as
    /// further columns, its choices (<see cref="RecordChoices.Columns"/>).
    /// </summary>
    public static PublishedRows For(AnonymizationRequest r, AnonymizationPlan plan, SqlParameters p, RecordChoices choices) => Build(r, plan, p, choices, null);

    private static PublishedRows Build(AnonymizationRequest r, AnonymizationPlan plan, SqlParameters p, RecordChoices? choices, IReadOnlySet<string>? reads,
        bool unperturbed = false, bool storageOrder = false)
    {
        // Each uniform draw is a column of an inner query (OFFSET 0 keeps it from being inlined), so an expression that
        // uses its draw twice hashes once per row.
        var uniforms = new Dictionary<string, string>();
        var drawn = new HashSet<string>();
        var rewriting = "";
        string Uniform(string purpose)
        {
            drawn.Add(rewriting);
            if (!uniforms.TryGetValue(purpose, out var alias)) uniforms[purpose] = alias = "_anon_u" + uniforms.Count;
            return Sql.Ident(alias);
        }
        var rewritten = new Dictionary<string, (string Sql, FieldType Type)>();
        foreach (var c in plan.RowLocal) rewritten[rewriting = c.Name] = ValueRewrite.For(c, p, Uniform);
        // A phase that needs no draw reads the table as it is, without the perturbed columns.
        var unhashed = unperturbed || (choices is null && reads is not null && !reads.Overlaps(drawn));
        var columns = new List<OutboxColumn>();
        var select = new List<string> { "s." + Sql.Ident(StagingLayout.RowId) };
        foreach (var c in r.Columns)
        {
            var name = Sql.Ident(c.Name);
            if (rewritten.TryGetValue(c.Name, out var e))
            {
                if (!unhashed || !drawn.Contains(c.Name)) select.Add($"{e.Sql} AS {name}");
                else if (unperturbed) select.Add("s." + name);
                columns.Add(new(c.Name, e.Type));
            }
            else
            {
                select.Add("s." + name);
                columns.Add(new(c.Name, c.Type));
            }
        }
        var source = Sql.Table(r.Schema, r.Table);
        if (storageOrder) select.Add("s." + StorageOrder);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var uniformNames = uniforms.Values.ToList();
        var uniformPurposes = uniforms.Keys.ToList();

        if (choices is not null)
        {
            // The choices' columns are all named _anon_…, so they cannot clash with the table's own.
            var (joins, joined) = choices.Join(uniformNames);
            var carried = uniformNames.Concat(choices.Columns).ToList();
            select.AddRange(carried.Select(c => "s." + c));
            return new($"(SELECT {string.Join(", ", select)} FROM (SELECT s.*, {string.Join(", ", joined)} FROM {source} s{joins}) s)",
                columns, [], uniformNames, uniformPurposes);
        }

        // The source with its rows' storage order as a column, when asked for.
        var stored = storageOrder ? $"(SELECT s.*, s.ctid AS {StorageOrder} FROM {source} s)" : source;
        // The pass that reads the rows unperturbed refers to a quasi-identifier three times (in the small classes' test
        // and as read): OFFSET 0 keeps the expressions in a scan of their own, computed once per row instead of
        // inlined into each reference. Only there: that pass is serial anyway, and the other phases read each column once.
        if (unhashed) return new($"(SELECT {string.Join(", ", select)} FROM {stored} s{(unperturbed ? " OFFSET 0" : "")})", columns, [], [], []);

        var purposes = Purposes(plan);
        var draws = RowDraws.For(uniforms.Keys.Concat(purposes));
        var drawColumns = purposes.Select((x, i) => (x, "_anon_b" + i)).ToDictionary(x => x.x, x => x.Item2);
        if (draws.Digests == 0) return new($"(SELECT {string.Join(", ", select)} FROM {stored} s)", columns, drawColumns, [], []);

        var exposed = uniformNames.Concat(drawColumns.Values).ToList();
        select.AddRange(exposed.Select(v => "s." + v));
        var values = uniforms.Select(u => $"{draws.Uniform(u.Key)} AS {Sql.Ident(u.Value)}")
            .Concat(drawColumns.Select(d => $"{draws.Bits(d.Key)} AS {d.Value}"));
        var from = $"(SELECT s.*, {string.Join(", ", values)} FROM (SELECT s.*, {string.Join(", ", draws.DigestColumns(r, p, "s." + rowId))} FROM {stored} s OFFSET 0) s OFFSET 0) s";
        return new($"(SELECT {string.Join(", ", select)} FROM {from})", columns, drawColumns, uniformNames, uniformPurposes);
    }
}
