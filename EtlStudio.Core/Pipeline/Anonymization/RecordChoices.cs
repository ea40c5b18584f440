using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// What each kept record publishes that depends on other records or on chance, worked out in one pass over narrow
/// data from one hash per row: its anatomy group (<see cref="Anatomy"/>), its permuted values
/// (<see cref="ColumnPermutation"/>) and its noise draws. A scratch table of <c>_row</c> and <c>_anon_…</c> columns,
/// one row per record not in a small class, that the published write joins instead of hashing every row again.
/// </summary>
internal sealed class RecordChoices
{
    private RecordChoices(string table, IReadOnlyList<string> columns) => (Table, Columns) = (table, columns);

    /// <summary>The table, schema-qualified.</summary>
    public string Table { get; }

    /// <summary>Its columns besides <c>_row</c> and the noise draws: <c>_anon_vid</c>, <c>_anon_f</c>, <c>_anon_grp</c> when anatomized, <c>_anon_v{n}</c> per permuted column.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Whether a table needs the pass: it is permuted or anatomized (perturbation alone hashes in the published write).</summary>
    public static bool Needed(AnonymizationPlan plan) => plan.Permuted.Count > 0 || plan.Anatomized is not null;

    public static async Task<RecordChoices> CreateAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small,
        Anatomy? anatomy, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var qi = plan.QuasiIdentifiers.Select((q, i) => (Column: Sql.Ident(q), Alias: "_anon_q" + i)).ToList();
        var permuted = plan.Permuted.Select((x, i) => (Column: Sql.Ident(x.Column.Name), Draw: rows.Draw(ColumnPermutation.Purpose(x.Column.Name)),
            Within: x.WithinGroups && qi.Count > 0, Alias: "_anon_v" + i)).ToList();

        // The narrow rows: what the windows below order and partition by, and what they carry.
        var narrow = new List<string> { "t." + rowId };
        narrow.AddRange(rows.Uniforms.Select(u => "t." + u));
        var join = "";
        if (anatomy is not null)
        {
            var (blocks, columns) = anatomy.Blocks(p, rows, "t", "h");
            join = blocks;
            narrow.AddRange(columns);
        }
        if (permuted.Any(x => x.Within)) narrow.AddRange(qi.Select(q => $"t.{q.Column} AS {q.Alias}"));
        narrow.AddRange(permuted.SelectMany((x, i) => new[] { $"t.{x.Column} AS _anon_pv{i}", $"t.{x.Draw} AS _anon_pb{i}" }));

        // Records are numbered in _row order (within their class), each column's values in a random order, and the
        // join on (class, slot) hands record i value i; classes are numbered by dense_rank, so the join stays a hash
        // join where quasi-identifiers are NULL (PARTITION BY and ORDER BY treat NULLs as equal).
        var classes = string.Join(", ", qi.Select(q => q.Alias));
        var ranked = new List<string> { "b.*" };
        if (anatomy is not null) ranked.Add(anatomy.RankColumn);
        if (permuted.Any(x => !x.Within)) ranked.Add($"row_number() OVER (ORDER BY {rowId}) AS _anon_slot");
        if (permuted.Any(x => x.Within))
        {
            ranked.Add($"row_number() OVER (PARTITION BY {classes} ORDER BY {rowId}) AS _anon_cslot");
            ranked.Add($"dense_rank() OVER (ORDER BY {classes}) AS _anon_class");
        }
        var from = $"(SELECT {string.Join(", ", ranked)} FROM b) a";
        var select = new List<string> { "a." + rowId };
        select.AddRange(rows.Uniforms.Select(u => "a." + u));
        if (anatomy is not null) select.AddRange(anatomy.ChoiceColumns(p, "a"));
        for (var i = 0; i < permuted.Count; i++)
        {
            var x = permuted[i];
            from += x.Within
                ? $" JOIN (SELECT _anon_pv{i} AS v, row_number() OVER (PARTITION BY {classes} ORDER BY _anon_pb{i}, {rowId}) AS slot, dense_rank() OVER (ORDER BY {classes}) AS class FROM b) p{i} ON p{i}.class = a._anon_class AND p{i}.slot = a._anon_cslot"
                : $" JOIN (SELECT _anon_pv{i} AS v, row_number() OVER (ORDER BY _anon_pb{i}, {rowId}) AS slot FROM b) p{i} ON p{i}.slot = a._anon_slot";
            select.Add($"p{i}.v AS {x.Alias}");
        }

        var table = Sql.Table(r.Schema, Scratch.Name());
        await p.ExecuteAsync(conn, $"""
            CREATE UNLOGGED TABLE {table} AS
            WITH b AS (SELECT {string.Join(", ", narrow)} FROM {rows.Query} t {join} WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")})
            SELECT {string.Join(", ", select)} FROM {from};
            ANALYZE {table}
            """, ct);
        IReadOnlyList<string> names = [.. anatomy is null ? [] : Anatomy.ChoiceNames, .. permuted.Select(x => x.Alias)];
        return new RecordChoices(table, names);
    }
}
