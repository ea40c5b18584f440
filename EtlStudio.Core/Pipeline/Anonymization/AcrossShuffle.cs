using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A shuffle of one column across the table through a table of its own: the kept records are numbered 0 … n−1 in
/// <c>_row</c> order (<see cref="RowSet"/>), and the record at position p hands its value to the record at position
/// π(p), π a random permutation of the positions (<see cref="RandomPermutation"/>). Read as a stream of narrow rows
/// and written back by COPY, with memory that does not grow with the values.
/// </summary>
internal static class AcrossShuffle
{
    /// <summary>The kept records' row numbers, for a shuffle across the table when no anatomy reads them.</summary>
    public static async Task KeptAsync(TableScope s, RowSet kept, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.Reading(s.Request, s.Plan, p, s.Plan.QuasiIdentifiers);
        await using var cmd = p.Command(s.Connection, $"SELECT t.{Sql.Ident(StagingLayout.RowId)} FROM {rows.Query} t WHERE {KAnonymityFilter.Kept(s.Small, s.Plan, rows, "t")}");
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct)) RecordChoices.Keep(s.Request, kept, reader.IsDBNull(0) ? throw RecordChoices.NoRowNumber(s.Request.Table) : reader.GetInt64(0));
    }

    /// <summary>
    /// Writes <paramref name="table"/>: each kept record's new value of <paramref name="column"/> (the
    /// <paramref name="index"/>th permuted column), with the noise draws of the record that receives it when
    /// <paramref name="uniforms"/> are given.
    /// </summary>
    /// <param name="underCap">When the anatomy rejects some records, its groups table: only records dealt to a group take part.</param>
    public static async Task ShuffleAsync(TableScope s, string? underCap, ResolvedColumn column, int index, IReadOnlyList<(string Purpose, string Name)> uniforms,
        RowSet kept, string table, CancellationToken ct)
    {
        var (r, plan) = (s.Request, s.Plan);
        var p = new SqlParameters();
        var rows = PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers.Append(column.Name));
        var columns = new List<OutboxColumn> { new(StagingLayout.RowId, FieldType.Integer) };
        columns.AddRange(uniforms.Select(u => new OutboxColumn(u.Name, FieldType.Double)));
        columns.Add(new(ColumnPermutation.Alias(index), column.Type));
        using var random = s.Random(ColumnPermutation.Purpose(column.Name));
        var permutation = RandomPermutation.Of(kept.Count, random, 0);
        using var draws = new NoiseDraws(r, uniforms.Select(u => u.Purpose));
        var select = $"SELECT t.{Sql.Ident(StagingLayout.RowId)}, t.{Sql.Ident(column.Name)} FROM {rows.Query} t WHERE {KAnonymityFilter.Kept(s.Small, plan, rows, "t")}{UnderCap(underCap, "t")}";
        await ChoicePipe.RunAsync(s.Connection, s.Side, r.Table, p, select, new ChoicePipe.Target(table, columns), 1, true, input =>
        {
            var n = input.Count;
            var target = new long[n];
            for (var i = 0; i < n; i++) target[i] = kept.Rank(input.Longs[0][i]);
            permutation.Map(target.AsSpan(0, n));
            for (var i = 0; i < n; i++) target[i] = kept.Select(target[i]);
            var u = draws.For(target, n);
            var values = input.Values!;
            return output =>
            {
                for (var i = 0; i < n; i++)
                {
                    output.StartRow(columns.Count);
                    output.Write(target[i]);
                    foreach (var d in u) output.Write(d[i]);
                    output.Write(values[i], column.Type);
                }
            };
        }, ct);
    }

    /// <summary>A further condition on rows (alias <paramref name="t"/>) when anatomy rejects some: dealt to a group in <paramref name="groups"/>.</summary>
    public static string UnderCap(string? groups, string t) => groups is null ? ""
        : $" AND EXISTS (SELECT 1 FROM {groups} g WHERE g.{Sql.Ident(StagingLayout.RowId)} = {t}.{Sql.Ident(StagingLayout.RowId)} AND g._anon_grp IS NOT NULL)";
}
