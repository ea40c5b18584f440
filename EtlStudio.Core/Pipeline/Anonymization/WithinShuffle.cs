using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A shuffle within equivalence classes, in SQL: records are numbered in <c>_row</c> order within their class, each
/// permuted column's values in a random order (a hashed draw, <see cref="RowDraws"/>), and the join on (class, slot)
/// hands record i value i. Classes are numbered by dense_rank, so the join stays a hash join where quasi-identifiers
/// are NULL (PARTITION BY and ORDER BY treat NULLs as equal).
/// </summary>
internal static class WithinShuffle
{
    /// <param name="underCap">When the anatomy rejects some records, its groups table: only records dealt to a group take part.</param>
    /// <param name="withDraws">Whether the table also carries the noise draws (hashed, as the published rows compute them).</param>
    public static Task ShuffleAsync(TableScope s, string? underCap, IReadOnlyList<(ResolvedColumn Column, int Index)> permuted, bool withDraws, string table, CancellationToken ct)
    {
        var (r, plan) = (s.Request, s.Plan);
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        var kept = $"(SELECT * FROM {rows.Query} s WHERE {KAnonymityFilter.Kept(s.Small, plan, rows, "s")}{AcrossShuffle.UnderCap(underCap, "s")})";
        var draws = withDraws ? rows.Uniforms : [];

        var baseColumns = new List<string> { "s." + rowId };
        baseColumns.AddRange(draws.Select(u => "s." + u));
        baseColumns.Add($"row_number() OVER (PARTITION BY {qi} ORDER BY {rowId}) AS _anon_class_slot");
        baseColumns.Add($"dense_rank() OVER (ORDER BY {qi}) AS _anon_class");
        var from = new List<string> { $"(SELECT {string.Join(", ", baseColumns)} FROM {kept} s) t" };
        var select = new List<string> { "t." + rowId };
        select.AddRange(draws.Select(u => "t." + u));
        foreach (var (column, index) in permuted)
        {
            var a = "p" + index;
            // The draw's bits order as its uniform number would.
            var order = $"ORDER BY {rows.Draw(ColumnPermutation.Purpose(column.Name))}, {rowId}";
            from.Add($"JOIN (SELECT {Sql.Ident(column.Name)} AS v, row_number() OVER (PARTITION BY {qi} {order}) AS slot, dense_rank() OVER (ORDER BY {qi}) AS class FROM {kept} s) {a} "
                + $"ON {a}.class = t._anon_class AND {a}.slot = t._anon_class_slot");
            select.Add($"{a}.v AS {ColumnPermutation.Alias(index)}");
        }
        return p.ExecuteAsync(s.Connection, $"CREATE UNLOGGED TABLE {table} {Sql.Working} AS SELECT {string.Join(", ", select)} FROM {string.Join(" ", from)}; ANALYZE {table}", ct);
    }
}
