using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The phases of the reference path (<see cref="ReferenceAnonymizer"/>), each a statement or two of SQL over tables
/// of its own: the published values, the small classes, the shuffles, and the writing of the outputs.
/// </summary>
internal sealed class ReferencePhases(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan)
{
    private readonly List<string> _scratch = [];
    private readonly List<(string Written, string Name, bool Keyed)> _outputs = [];
    private static readonly string RowId = Sql.Ident(StagingLayout.RowId);

    public NpgsqlConnection Connection => conn;
    public AnonymizationRequest Request => r;
    public AnonymizationPlan Plan => plan;
    public string Source { get; } = Sql.Table(r.Schema, r.Table);

    /// <summary>A new scratch table's name, dropped at the end.</summary>
    public string NewTable()
    {
        var table = Sql.Table(r.Schema, Scratch.Name());
        _scratch.Add(table);
        return table;
    }

    public Task ExecuteAsync(SqlParameters p, string sql, CancellationToken ct) => p.ExecuteAsync(conn, sql, ct);

    /// <summary>The quasi-identifiers of <paramref name="a"/> and <paramref name="b"/> equal, NULL equal to NULL.</summary>
    public string SameClass(string a, string b) =>
        string.Join(" AND ", plan.QuasiIdentifiers.Select(Sql.Ident).Select(q => $"{a}.{q} IS NOT DISTINCT FROM {b}.{q}").DefaultIfEmpty("TRUE"));

    /// <summary>
    /// Every record's published values: the row-local methods' expressions (<see cref="ValueRewrite"/>) with its noise
    /// draws, and <c>_at</c>, its place in the staged table's storage order. The draws are made in this process when a
    /// pass of the fast path visits every record anyway (<see cref="RecordChoices.DrawsInProcess"/>), else hashed in SQL.
    /// </summary>
    public async Task<(string Table, IReadOnlyList<OutboxColumn> Columns)> PublishAsync(CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        if (RecordChoices.DrawsInProcess(plan))
        {
            var draws = NewTable();
            await ReferenceDraws.NoiseAsync(conn, r, rows.UniformPurposes, rows.Uniforms, draws, ct);
            p = new SqlParameters();
            rows = PublishedRows.For(r, plan, p, RecordChoices.OfDraws(draws));
        }
        var published = NewTable();
        await p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {published} AS SELECT t.*, s.ctid AS _at FROM {rows.Query} t JOIN {Source} s USING ({RowId})", ct);
        return (published, rows.Columns);
    }

    /// <summary>Files the records of classes smaller than k as rejects; returns the table of the others and how many went.</summary>
    public async Task<(string Kept, long Suppressed)> SuppressSmallClassesAsync(string published, CancellationToken ct)
    {
        if (plan.K is null || plan.QuasiIdentifiers.Count == 0) return (published, 0);
        var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        var small = NewTable();
        var p = new SqlParameters();
        var k = p.Add(plan.K.Value, NpgsqlDbType.Bigint);
        await p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {small} AS SELECT {qi}, count(*) AS n FROM {published} GROUP BY {qi} HAVING count(*) < {k}", ct);
        var rj = new SqlParameters();
        var suppressed = await rj.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, rj)
            + $"{rj.Add(AnonymizationRejects.KAnonymity, NpgsqlDbType.Text)}, NULL, 'equivalence class of ' || c.n || ' < k=' || {rj.Add(plan.K.Value, NpgsqlDbType.Bigint)}, "
            + $"s.{RowId}, {AnonymizationRejects.Record(r, "s")} FROM {Source} s JOIN {published} t USING ({RowId}) JOIN {small} c ON {SameClass("t", "c")} ORDER BY s.{RowId}", ct);
        var kept = NewTable();
        await new SqlParameters().ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {kept} AS SELECT t.* FROM {published} t WHERE NOT EXISTS (SELECT 1 FROM {small} c WHERE {SameClass("t", "c")})", ct);
        return (kept, suppressed);
    }

    /// <summary>
    /// Each permuted column's new values among the <paramref name="kept"/> records: per column, a table of <c>_row</c>
    /// and the value it receives (the column named in the result).
    /// </summary>
    public async Task<Dictionary<string, (string Table, string Column)>> ShuffleAsync(string kept, CancellationToken ct)
    {
        var shuffled = new Dictionary<string, (string, string)>();
        foreach (var (column, index, within) in RecordChoices.Shuffles(plan))
        {
            var table = NewTable();
            var v = Sql.Ident(column.Name);
            var alias = ColumnPermutation.Alias(index);
            if (!within)
            {
                // Positions 0 … n−1 in _row order; the record at position p hands its value to the record at position π(p).
                var n = await new SqlParameters().ScalarAsync<long>(conn, $"SELECT count(*) FROM {kept}", ct);
                var permutation = NewTable();
                await ReferenceDraws.PermutationAsync(conn, r, column.Name, n, permutation, ct);
                var numbered = $"(SELECT {RowId}, {v}, row_number() OVER (ORDER BY {RowId}) - 1 AS pos FROM {kept})";
                await new SqlParameters().ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {table} AS SELECT dst.{RowId}, src.{v} AS {alias} "
                    + $"FROM {numbered} src JOIN {permutation} pi ON pi.pos = src.pos JOIN {numbered} dst ON dst.pos = pi.image", ct);
            }
            else
            {
                // Within each class: the records in _row order take the class's values in the order of a hashed draw.
                var p = new SqlParameters();
                var hashed = PublishedRows.For(r, plan, p);
                var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
                var draw = $"(SELECT {RowId}, {hashed.Draw(ColumnPermutation.Purpose(column.Name))} AS draw FROM {hashed.Query} h)";
                await p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {table} AS SELECT t.{RowId}, x.{v} AS {alias} "
                    + $"FROM (SELECT *, row_number() OVER (PARTITION BY {qi} ORDER BY {RowId}) AS slot FROM {kept}) t "
                    + $"JOIN (SELECT k.*, row_number() OVER (PARTITION BY {qi} ORDER BY d.draw, k.{RowId}) AS slot FROM {kept} k JOIN {draw} d USING ({RowId})) x "
                    + $"ON {SameClass("t", "x")} AND x.slot = t.slot", ct);
            }
            shuffled[column.Name] = (table, alias);
        }
        return shuffled;
    }

    /// <summary>
    /// Writes an output of <c>_row</c> and <paramref name="columns"/> from <paramref name="from"/> (alias <c>k</c>), each
    /// column as <paramref name="values"/> gives it or else <c>k.</c> its name; it takes the name <paramref name="name"/> in <see cref="PlaceAsync"/>.
    /// </summary>
    public Task WriteAsync(string name, IReadOnlyList<OutboxColumn> columns, IReadOnlyDictionary<string, string> values, string from, CancellationToken ct, bool keyed = false)
    {
        var written = Sql.Table(r.Schema, Scratch.Name());
        _outputs.Add((written, name, keyed));
        IReadOnlyList<OutboxColumn> all = [new(StagingLayout.RowId, Scripts.FieldType.Integer), .. columns];
        var select = all.Select(c => values.TryGetValue(c.Name, out var e) ? e : $"k.{Sql.Ident(c.Name)}");
        return TableRebuild.FillAsync(conn, written, all, $"SELECT {string.Join(", ", select)} FROM {from}", new SqlParameters(), ct, logged: true);
    }

    /// <summary>Drops the staged table, an earlier attempt's outputs and the scratch; gives the outputs their names and keys.</summary>
    public async Task PlaceAsync(CancellationToken ct)
    {
        var names = _outputs.Select(o => Sql.Table(r.Schema, o.Name)).Append(Source).Distinct();
        var sql = (_scratch.Count == 0 ? "" : $"DROP TABLE {string.Join(", ", _scratch)}; ") + $"DROP TABLE IF EXISTS {string.Join(", ", names)};";
        foreach (var (written, name, keyed) in _outputs)
        {
            sql += $" ALTER TABLE {written} RENAME TO {Sql.Ident(name)};";
            if (keyed) sql += $" ALTER TABLE {Sql.Table(r.Schema, name)} ADD CONSTRAINT {Sql.Ident(name + "_pkey")} PRIMARY KEY ({RowId});";
        }
        await new SqlParameters().ExecuteAsync(conn, sql, ct);
    }
}
