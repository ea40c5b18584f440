using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Shuffles each permuted column's values across records (or only among records of one equivalence class): records
/// are numbered in <c>_row</c> order, values in a random order, and record i takes value i — a uniformly random
/// permutation (a cheaper random cycle would tell that no record kept its value, and reverse a class of two). The
/// multiset of values (per class, when within groups) is unchanged. The shuffle is worked out on narrow data — record
/// ids, values and their slots — into a map of each record's new values; the table's final write takes them from there.
/// </summary>
internal sealed class ColumnPermutation
{
    private readonly Dictionary<string, string> _aliases;

    private ColumnPermutation(string map, Dictionary<string, string> aliases) => (Map, _aliases) = (map, aliases);

    /// <summary>The map table, schema-qualified: <c>_row</c> and one column per permuted column.</summary>
    public string Map { get; }

    /// <summary>The value a record publishes for <paramref name="column"/>: its permuted one (alias <paramref name="m"/> for the map) or its own (alias <paramref name="t"/>).</summary>
    public string Value(string column, string t, string m) =>
        _aliases.TryGetValue(column, out var alias) ? $"{m}.{Sql.Ident(alias)}" : $"{t}.{Sql.Ident(column)}";

    /// <summary>The record as JSON with its permuted values, for the rejects table.</summary>
    public string Json(string recordJson, string m) =>
        $"{recordJson} || jsonb_build_object({string.Join(", ", _aliases.Select(a => $"'{a.Key.Replace("'", "''")}', {m}.{Sql.Ident(a.Value)}"))})";

    /// <summary>The name of a permuted column's draw among the table's draws (<see cref="RowDraws"/>).</summary>
    public static string Purpose(string column) => column + "/permutation";

    /// <summary>Works out the shuffle of the records not in a small class (<paramref name="small"/>, see <see cref="KAnonymityFilter"/>).</summary>
    public static async Task<ColumnPermutation> PlanAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        // Without quasi-identifiers the whole table is one group.
        var permuted = plan.Permuted.ToDictionary(x => x.Column.Name, x => x.WithinGroups && qi.Length > 0);
        var kept = $"(SELECT * FROM {rows.Query} s WHERE {KAnonymityFilter.Kept(small, plan, rows, "s")})";

        // Classes are numbered by dense_rank over the quasi-identifiers, so the join on (class, slot) stays a hash
        // join even where quasi-identifiers are NULL (PARTITION BY and ORDER BY treat NULLs as equal).
        var baseColumns = new List<string> { "s." + rowId };
        if (permuted.ContainsValue(false)) baseColumns.Add($"row_number() OVER (ORDER BY {rowId}) AS _anon_slot");
        if (permuted.ContainsValue(true))
        {
            baseColumns.Add($"row_number() OVER (PARTITION BY {qi} ORDER BY {rowId}) AS _anon_class_slot");
            baseColumns.Add($"dense_rank() OVER (ORDER BY {qi}) AS _anon_class");
        }
        var from = new List<string> { $"(SELECT {string.Join(", ", baseColumns)} FROM {kept} s) t" };
        var select = new List<string> { "t." + rowId };
        var aliases = new Dictionary<string, string>();
        foreach (var (name, within) in permuted)
        {
            var a = "p" + from.Count;
            // The draw's bits order as its uniform number would.
            var order = $"ORDER BY {rows.Draw(Purpose(name))}, {rowId}";
            from.Add(within
                ? $"JOIN (SELECT {Sql.Ident(name)} AS v, row_number() OVER (PARTITION BY {qi} {order}) AS slot, dense_rank() OVER (ORDER BY {qi}) AS class FROM {kept} s) {a} "
                  + $"ON {a}.class = t._anon_class AND {a}.slot = t._anon_class_slot"
                : $"JOIN (SELECT {Sql.Ident(name)} AS v, row_number() OVER ({order}) AS slot FROM {kept} s) {a} ON {a}.slot = t._anon_slot");
            aliases[name] = "v" + aliases.Count;
            select.Add($"{a}.v AS {Sql.Ident(aliases[name])}");
        }
        var map = Sql.Table(r.Schema, Scratch.Name());
        await p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {map} AS SELECT {string.Join(", ", select)} FROM {string.Join(" ", from)}; ANALYZE {map}", ct);
        return new ColumnPermutation(map, aliases);
    }
}
