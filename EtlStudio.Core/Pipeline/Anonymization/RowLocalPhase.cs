using NpgsqlTypes;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>Generalization, value suppression and perturbation of every column that has one, in a single rewrite of the table.</summary>
internal static class RowLocalPhase
{
    /// <summary>
    /// Rewrites the table (to a logged one when it is its final write); <paramref name="columns"/> (current name → type)
    /// is updated to the new types. The draws of <paramref name="carried"/> purposes are kept in hidden columns for the
    /// phases after this one; the returned draws name them.
    /// </summary>
    public static async Task<RowDraws?> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan,
        List<OutboxColumn> columns, IReadOnlyList<string> carried, bool logged, CancellationToken ct)
    {
        var p = new SqlParameters();
        // Each random draw is a column of an inner query (OFFSET 0 keeps it from being inlined), so an expression
        // that uses its draw twice hashes once per row.
        var uniforms = new Dictionary<string, string>();
        string Uniform(string purpose)
        {
            if (!uniforms.TryGetValue(purpose, out var alias))
                uniforms[purpose] = alias = "_anon_u" + uniforms.Count;
            return Sql.Ident(alias);
        }

        var rewritten = plan.RowLocal.ToDictionary(c => c.Name, c => ValueRewrite.For(c, p, Uniform));
        var select = new List<string> { Sql.Ident(StagingLayout.RowId) };
        for (var i = 0; i < columns.Count; i++)
        {
            if (rewritten.TryGetValue(columns[i].Name, out var e))
            {
                select.Add(e.Sql);
                columns[i] = columns[i] with { Type = e.Type };
            }
            else select.Add(Sql.Ident(columns[i].Name));
        }
        var source = Sql.Table(r.Schema, r.Table);
        var draws = RowDraws.For(uniforms.Keys, carried);
        var from = source;
        if (draws.Digests > 0)
        {
            var values = uniforms.Select(u => $"{draws.Uniform(u.Key)} AS {Sql.Ident(u.Value)}")
                .Concat(draws.Carried.Select(c => $"{draws.Bits(c.Key)} AS {Sql.Ident(c.Value)}"));
            from = $"(SELECT s.*, {string.Join(", ", values)} FROM (SELECT s.*, {string.Join(", ", draws.DigestColumns(r, p, "s." + Sql.Ident(StagingLayout.RowId)))} FROM {source} s OFFSET 0) s OFFSET 0) s";
        }
        select.AddRange(draws.Carried.Values.Select(Sql.Ident));
        await TableRebuild.ReplaceAsync(conn, r.Schema, r.Table, [.. columns, .. draws.Carried.Values.Select(v => new OutboxColumn(v, Scripts.FieldType.Integer))],
            $"SELECT {string.Join(", ", select)} FROM {from}", p, ct, logged);
        return draws.Carried.Count > 0 ? draws : null;
    }
}
