using NpgsqlTypes;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>Generalization, value suppression and perturbation of every column that has one, in a single rewrite of the table.</summary>
internal static class RowLocalPhase
{
    /// <summary>Rewrites the table (to a logged one when it is its final write); <paramref name="columns"/> (current name → type) is updated to the new types.</summary>
    public static async Task ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan,
        List<OutboxColumn> columns, bool logged, CancellationToken ct)
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
        var draws = uniforms.Select(u => RandomSql.Uniform(p.Add(RandomSql.Key(r.Seed, $"{r.Table}/{u.Key}"), NpgsqlDbType.Bytea),
            Sql.Ident(StagingLayout.RowId)) + " AS " + Sql.Ident(u.Value));
        var source = Sql.Table(r.Schema, r.Table);
        var from = uniforms.Count == 0 ? source : $"(SELECT s.*, {string.Join(", ", draws)} FROM {source} s OFFSET 0) s";
        await TableRebuild.ReplaceAsync(conn, r.Schema, r.Table, columns, $"SELECT {string.Join(", ", select)} FROM {from}", p, ct, logged);
    }
}
