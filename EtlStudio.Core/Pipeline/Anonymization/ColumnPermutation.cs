using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Shuffles each permuted column's values across records (or only among records of one equivalence class): records
/// are numbered in <c>_row</c> order, values in a random order, and record i takes value i. The multiset of values
/// (per class, when within groups) is unchanged.
/// </summary>
internal static class ColumnPermutation
{
    public static async Task ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan,
        IReadOnlyList<OutboxColumn> columns, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rowId = Sql.Ident(StagingLayout.RowId);
        var source = Sql.Table(r.Schema, r.Table);
        var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        // Without quasi-identifiers the whole table is one group.
        var permuted = plan.Permuted.ToDictionary(x => x.Column.Name, x => x.WithinGroups && qi.Length > 0);

        // Classes are numbered by dense_rank over the quasi-identifiers, so the join on (class, slot) stays a hash
        // join even where quasi-identifiers are NULL (PARTITION BY and ORDER BY treat NULLs as equal).
        var baseColumns = new List<string> { "s.*" };
        if (permuted.ContainsValue(false)) baseColumns.Add($"row_number() OVER (ORDER BY {rowId}) AS _anon_slot");
        if (permuted.ContainsValue(true))
        {
            baseColumns.Add($"row_number() OVER (PARTITION BY {qi} ORDER BY {rowId}) AS _anon_class_slot");
            baseColumns.Add($"dense_rank() OVER (ORDER BY {qi}) AS _anon_class");
        }
        var from = new List<string> { $"(SELECT {string.Join(", ", baseColumns)} FROM {source} s) t" };
        var select = new List<string> { "t." + rowId };
        foreach (var c in columns)
        {
            if (!permuted.TryGetValue(c.Name, out var within))
            {
                select.Add("t." + Sql.Ident(c.Name));
                continue;
            }
            var a = "p" + from.Count;
            var order = $"ORDER BY {RandomSql.Uniform(p.Add(RandomSql.Key(r.Seed, $"{r.Table}/{c.Name}/permutation"), NpgsqlDbType.Bytea), rowId)}, {rowId}";
            from.Add(within
                ? $"JOIN (SELECT {Sql.Ident(c.Name)} AS v, row_number() OVER (PARTITION BY {qi} {order}) AS slot, dense_rank() OVER (ORDER BY {qi}) AS class FROM {source}) {a} "
                  + $"ON {a}.class = t._anon_class AND {a}.slot = t._anon_class_slot"
                : $"JOIN (SELECT {Sql.Ident(c.Name)} AS v, row_number() OVER ({order}) AS slot FROM {source}) {a} ON {a}.slot = t._anon_slot");
            select.Add($"{a}.v");
        }
        await TableRebuild.ReplaceAsync(conn, r.Schema, r.Table, columns, $"SELECT {string.Join(", ", select)} FROM {string.Join(" ", from)}", p, ct);
    }
}
