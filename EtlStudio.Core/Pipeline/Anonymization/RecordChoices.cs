using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// What each kept record publishes that depends on other records or on chance, worked out on narrow data: its anatomy
/// group (<see cref="Anatomy"/>), its permuted values (<see cref="ColumnPermutation"/>) and its noise draws. One or two
/// scratch tables of <c>_row</c> and <c>_anon_…</c> columns, one row per record not in a small class — the groups and
/// the shuffle, built beside each other (each a sort of its own) — that the published write joins instead of hashing
/// every row again. The noise draws ride with the groups when there are any, else with the shuffle.
/// </summary>
internal sealed class RecordChoices
{
    private RecordChoices(IReadOnlyList<(string Table, IReadOnlyList<string> Columns)> parts) => Parts = parts;

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

    /// <summary>The joins from the staged table (alias <paramref name="s"/>) to the parts (aliases <c>c0</c>, <c>c1</c>) and the columns they give.</summary>
    public (string Joins, IReadOnlyList<string> Columns) Join(IReadOnlyList<string> uniforms)
    {
        var rowId = Sql.Ident(StagingLayout.RowId);
        var joins = string.Concat(Parts.Select((p, i) => $" JOIN {p.Table} c{i} USING ({rowId})"));
        // The draws ride with the first part.
        var columns = uniforms.Select(u => "c0." + u).Concat(Parts.SelectMany((p, i) => p.Columns.Select(c => $"c{i}.{c}"))).ToList();
        return (joins, columns);
    }

    /// <summary>Works out the choices of the records not in a small class (<paramref name="small"/>, see <see cref="KAnonymityFilter"/>).</summary>
    public static async Task<RecordChoices> CreateAsync(NpgsqlConnection conn, SideConnections? side, AnonymizationRequest r, AnonymizationPlan plan,
        string? small, Anatomy? anatomy, CancellationToken ct)
    {
        var groups = anatomy is null ? null : Sql.Table(r.Schema, Scratch.Name());
        var shuffle = plan.Permuted.Count > 0 ? Sql.Table(r.Schema, Scratch.Name()) : null;
        await SideConnections.RunAsync(conn, side, ct, null,
            groups is null ? null : (c, t) => GroupsAsync(c, r, plan, small, anatomy!, groups, t),
            shuffle is null ? null : (c, t) => ShuffleAsync(c, r, plan, small, shuffle, withDraws: groups is null, t));
        var parts = new List<(string, IReadOnlyList<string>)>();
        if (groups is not null) parts.Add((groups, Anatomy.ChoiceNames));
        if (shuffle is not null) parts.Add((shuffle, plan.Permuted.Select((_, i) => ColumnPermutation.Alias(i)).ToList()));
        return new RecordChoices(parts);
    }

    /// <summary>Every record's rank within its value (random) and, under the cap, its group; with the noise draws.</summary>
    private static Task GroupsAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, Anatomy anatomy, string table, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        // The sort carries only what it orders by and the draws; the value's block is joined after it.
        var (join, columns) = anatomy.Values(p, rows, "t", "h");
        var narrow = new[] { "t." + Sql.Ident(StagingLayout.RowId) }.Concat(rows.Uniforms.Select(u => "t." + u)).Concat(columns);
        var select = new[] { "x." + Sql.Ident(StagingLayout.RowId) }.Concat(rows.Uniforms.Select(u => "x." + u)).Concat(anatomy.ChoiceColumns(p, "x", "b"));
        return p.ExecuteAsync(conn, $"""
            CREATE UNLOGGED TABLE {table} {Sql.Working} AS SELECT {string.Join(", ", select)}
            FROM (SELECT y.*, {anatomy.RankColumn} FROM (SELECT {string.Join(", ", narrow)} FROM {rows.Query} t {join} WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}) y) x
            {anatomy.BlocksJoin(p, "x", "b")};
            ANALYZE {table}
            """, ct);
    }

    /// <summary>
    /// Records are numbered in <c>_row</c> order (within their class), each permuted column's values in a random order,
    /// and the join on (class, slot) hands record i value i. Classes are numbered by dense_rank, so the join stays a
    /// hash join where quasi-identifiers are NULL (PARTITION BY and ORDER BY treat NULLs as equal).
    /// </summary>
    private static Task ShuffleAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, string table, bool withDraws, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        // Without quasi-identifiers the whole table is one group.
        var permuted = plan.Permuted.Select(x => (x.Column.Name, Within: x.WithinGroups && qi.Length > 0)).ToList();
        var kept = $"(SELECT * FROM {rows.Query} s WHERE {KAnonymityFilter.Kept(small, plan, rows, "s")})";
        var draws = withDraws ? rows.Uniforms : [];

        var baseColumns = new List<string> { "s." + rowId };
        baseColumns.AddRange(draws.Select(u => "s." + u));
        if (permuted.Any(x => !x.Within)) baseColumns.Add($"row_number() OVER (ORDER BY {rowId}) AS _anon_slot");
        if (permuted.Any(x => x.Within))
        {
            baseColumns.Add($"row_number() OVER (PARTITION BY {qi} ORDER BY {rowId}) AS _anon_class_slot");
            baseColumns.Add($"dense_rank() OVER (ORDER BY {qi}) AS _anon_class");
        }
        var from = new List<string> { $"(SELECT {string.Join(", ", baseColumns)} FROM {kept} s) t" };
        var select = new List<string> { "t." + rowId };
        select.AddRange(draws.Select(u => "t." + u));
        for (var i = 0; i < permuted.Count; i++)
        {
            var (name, within) = permuted[i];
            var a = "p" + i;
            // The draw's bits order as its uniform number would.
            var order = $"ORDER BY {rows.Draw(ColumnPermutation.Purpose(name))}, {rowId}";
            from.Add(within
                ? $"JOIN (SELECT {Sql.Ident(name)} AS v, row_number() OVER (PARTITION BY {qi} {order}) AS slot, dense_rank() OVER (ORDER BY {qi}) AS class FROM {kept} s) {a} "
                  + $"ON {a}.class = t._anon_class AND {a}.slot = t._anon_class_slot"
                : $"JOIN (SELECT {Sql.Ident(name)} AS v, row_number() OVER ({order}) AS slot FROM {kept} s) {a} ON {a}.slot = t._anon_slot");
            select.Add($"{a}.v AS {ColumnPermutation.Alias(i)}");
        }
        return p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {table} {Sql.Working} AS SELECT {string.Join(", ", select)} FROM {string.Join(" ", from)}; ANALYZE {table}", ct);
    }
}
