using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The staged table's rows as they will be published, before permutation and anatomization: generalization, value
/// suppression and perturbation as expressions over the table, which is never rewritten for them, plus the per-row
/// draws permutation and anatomization order by (<see cref="Draw"/>). Every phase reads the table through this derived
/// table, so each computes the same values; PostgreSQL computes only the columns a phase uses, and the hash of a row
/// once, however many of its draws that phase needs.
/// </summary>
internal sealed class PublishedRows
{
    private readonly Dictionary<string, string> _draws;

    private PublishedRows(string sql, IReadOnlyList<OutboxColumn> columns, Dictionary<string, string> draws) =>
        (Query, Columns, _draws) = (sql, columns, draws);

    /// <summary>A derived table (parenthesized, without alias): <c>_row</c>, every column under its own name, then the draws.</summary>
    public string Query { get; }

    /// <summary>The columns with their published types (a generalized number is text).</summary>
    public IReadOnlyList<OutboxColumn> Columns { get; }

    /// <summary>The column holding the 56-bit draw of <paramref name="purpose"/>.</summary>
    public string Draw(string purpose) => _draws[purpose];

    /// <summary>The record as JSON, for the rejects table: its published values, without the draws.</summary>
    public string Json(string alias) =>
        _draws.Count == 0 ? $"to_jsonb({alias})" : $"(to_jsonb({alias}) - ARRAY[{string.Join(", ", _draws.Values.Select(v => $"'{v}'"))}])";

    /// <summary>The purposes of the table's draws, in the order that fixes which hash and bits each takes.</summary>
    public static IReadOnlyList<string> Purposes(AnonymizationPlan plan) =>
        [.. plan.Permuted.Select(x => ColumnPermutation.Purpose(x.Column.Name)), .. plan.Anatomized is { } a ? [Anatomy.Purpose(a.Name)] : Array.Empty<string>()];

    /// <summary>The published rows of the request's table, with its parameters added to <paramref name="p"/>.</summary>
    public static PublishedRows For(AnonymizationRequest r, AnonymizationPlan plan, SqlParameters p)
    {
        // Each random draw is a column of an inner query (OFFSET 0 keeps it from being inlined), so an expression that
        // uses its draw twice hashes once per row.
        var uniforms = new Dictionary<string, string>();
        string Uniform(string purpose)
        {
            if (!uniforms.TryGetValue(purpose, out var alias)) uniforms[purpose] = alias = "_anon_u" + uniforms.Count;
            return Sql.Ident(alias);
        }
        var rewritten = plan.RowLocal.ToDictionary(c => c.Name, c => ValueRewrite.For(c, p, Uniform));
        var columns = new List<OutboxColumn>();
        var select = new List<string> { "s." + Sql.Ident(StagingLayout.RowId) };
        foreach (var c in r.Columns)
        {
            var name = Sql.Ident(c.Name);
            if (rewritten.TryGetValue(c.Name, out var e))
            {
                select.Add($"{e.Sql} AS {name}");
                columns.Add(new(c.Name, e.Type));
            }
            else
            {
                select.Add("s." + name);
                columns.Add(new(c.Name, c.Type));
            }
        }

        var source = Sql.Table(r.Schema, r.Table);
        var purposes = Purposes(plan);
        var draws = RowDraws.For(uniforms.Keys.Concat(purposes));
        var drawColumns = purposes.Select((x, i) => (x, "_anon_b" + i)).ToDictionary(x => x.x, x => x.Item2);
        if (draws.Digests == 0) return new($"(SELECT {string.Join(", ", select)} FROM {source} s)", columns, drawColumns);

        select.AddRange(drawColumns.Values.Select(v => "s." + v));
        var values = uniforms.Select(u => $"{draws.Uniform(u.Key)} AS {Sql.Ident(u.Value)}")
            .Concat(drawColumns.Select(d => $"{draws.Bits(d.Key)} AS {d.Value}"));
        var rowId = "s." + Sql.Ident(StagingLayout.RowId);
        var from = $"(SELECT s.*, {string.Join(", ", values)} FROM (SELECT s.*, {string.Join(", ", draws.DigestColumns(r, p, rowId))} FROM {source} s OFFSET 0) s OFFSET 0) s";
        return new($"(SELECT {string.Join(", ", select)} FROM {from})", columns, drawColumns);
    }

    /// <summary>The column's published type.</summary>
    public FieldType TypeOf(string column) => Columns.First(c => c.Name == column).Type;
}
