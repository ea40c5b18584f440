using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Anatomization (Xiao &amp; Tao, 2006): the table becomes QIT (every other column and a group id) and ST (group id,
/// sensitive value, count). Records sorted by sensitive value (random order within a value) are dealt round-robin to
/// G groups; a value that occurs at most G times then lands in distinct groups, so every group of at least l records
/// has l distinct values. G is the largest number of groups for which, after capping every value at G records,
/// at least l·G records remain; the records over the cap (chosen at random) go to the rejects table.
/// </summary>
internal static class Anatomy
{
    /// <summary>The two tables and how many records were removed to reach l-diversity.</summary>
    public sealed record Outcome(OutboxTable Qit, OutboxTable St, long Rejected);

    public static async Task<Outcome> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, ResolvedColumn sensitive, int l,
        IReadOnlyList<OutboxColumn> columns, ColumnPermutation? permutation, RowDraws? draws, CancellationToken ct)
    {
        var rowId = Sql.Ident(StagingLayout.RowId);
        var source = Sql.Table(r.Schema, r.Table);
        var s = Sql.Ident(sensitive.Name);
        var sensitiveColumn = columns.Single(c => c.Name == sensitive.Name);

        // The value histogram, each value numbered (vid) so the big sort below is on numbers, not on values.
        var histogram = Sql.Table(r.Schema, "_anon_" + Guid.NewGuid().ToString("N"));
        await TableRebuild.CreateAsync(conn, histogram, [sensitiveColumn with { Name = "v" }, new("f", FieldType.Integer), new("vid", FieldType.Integer)], ct);
        await new SqlParameters().ExecuteAsync(conn,
            $"INSERT INTO {histogram} SELECT v, f, row_number() OVER (ORDER BY v) FROM (SELECT {s} AS v, count(*) AS f FROM {source} GROUP BY {s}) x; ANALYZE {histogram}", ct);
        var groups = await GroupCountAsync(conn, histogram, l, ct);

        // Every record's rank within its value (random) and, under the cap, its group: the value's block starts after
        // the capped counts of the values before it, and positions are dealt round-robin to the G groups.
        var work = Sql.Table(r.Schema, "_anon_" + Guid.NewGuid().ToString("N"));
        var p = new SqlParameters();
        var g = p.Add(groups, NpgsqlDbType.Bigint);
        var blocks = $"SELECT v, f, vid, coalesce(sum(least(f, {g})) OVER (ORDER BY vid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start FROM {histogram}";
        // NULL cannot be matched by the equality (hash) join, so its block is looked up once and passed in.
        var nb = await NullBlockAsync(conn, p, blocks, ct);
        var (nVid, nF, nStart) = (p.Add(nb?[0], NpgsqlDbType.Bigint), p.Add(nb?[1], NpgsqlDbType.Bigint), p.Add(nb?[2], NpgsqlDbType.Bigint));
        var key = p.Add(RandomSql.Key(r.Seed, $"{r.Table}/{sensitive.Name}/anatomy"), NpgsqlDbType.Bytea);
        await TableRebuild.FillAsync(conn, work, [new(StagingLayout.RowId, FieldType.Integer), new("vid", FieldType.Integer), new("f", FieldType.Integer), new("grp", FieldType.Integer)], $"""
            SELECT {rowId}, vid, f, CASE WHEN rv <= {g} THEN (start + rv - 1) % greatest({g}, 1) + 1 END
            FROM (SELECT t.{rowId}, coalesce(h.vid, {nVid}) AS vid, coalesce(h.f, {nF}) AS f, coalesce(h.start, {nStart}) AS start,
                         row_number() OVER (PARTITION BY coalesce(h.vid, {nVid}) ORDER BY {RowDraws.Order(draws, Purpose(sensitive.Name), "t.", () => RandomSql.Uniform(key, "t." + rowId))}, t.{rowId}) AS rv
                  FROM {source} t LEFT JOIN ({blocks}) h ON h.v = t.{s}) x
            """, p, ct);
        await new SqlParameters().ExecuteAsync(conn, $"""
            ANALYZE {work}
            """, ct);

        // Records over the cap: found in the narrow work table first, so the join that files them runs only when there are any.
        var withPermuted = permutation is null ? "" : $"JOIN {permutation.Map} m USING ({rowId})";
        long rejected = 0;
        if (await new SqlParameters().ScalarAsync<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {work} WHERE grp IS NULL)", ct))
        {
            var rj = new SqlParameters();
            var lp = rj.Add(l, NpgsqlDbType.Integer);
            var gp = rj.Add(groups, NpgsqlDbType.Bigint);
            rejected = await rj.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, rj)
                + $"{rj.Add(AnonymizationRejects.LDiversity, NpgsqlDbType.Text)}, {rj.Add(sensitive.Name, NpgsqlDbType.Text)}, "
                + $"CASE WHEN {gp} = 0 THEN 'fewer than l=' || {lp} || ' distinct sensitive values to form a group' "
                + $"ELSE 'sensitive value occurs ' || w.f || ' times but ' || {gp} || ' groups of l=' || {lp} || ' hold it at most ' || {gp} || ' times' END, "
                + $"t.{rowId}, {(permutation is null ? RowDraws.Strip("to_jsonb(t)", draws) : permutation.Json("t", "m", draws))} FROM {source} t JOIN {work} w USING ({rowId}) {withPermuted} WHERE w.grp IS NULL", ct);
        }

        var qitName = r.Table + AnonymizationPlan.QitSuffix;
        var stName = r.Table + AnonymizationPlan.StSuffix;
        var qitColumns = columns.Where(c => c.Name != sensitive.Name).Append(new(AnonymizationPlan.GroupId, FieldType.Integer)).ToList();
        var stColumns = new List<OutboxColumn> { new(AnonymizationPlan.GroupId, FieldType.Integer), sensitiveColumn, new(AnonymizationPlan.Count, FieldType.Integer) };
        var none = new SqlParameters();
        // A retry after a crash may find the previous attempt's outputs; the input table was re-created, so rebuild them.
        await none.ExecuteAsync(conn, $"DROP TABLE IF EXISTS {Sql.Table(r.Schema, qitName)}, {Sql.Table(r.Schema, stName)}", ct);
        // The published tables, written once and logged.
        var kept = string.Join(", ", columns.Where(c => c.Name != sensitive.Name)
            .Select(c => permutation?.Value(c.Name, "t", "m") ?? "t." + Sql.Ident(c.Name)).Prepend("t." + rowId));
        await TableRebuild.FillAsync(conn, Sql.Table(r.Schema, qitName), [new(StagingLayout.RowId, FieldType.Integer), .. qitColumns],
            $"SELECT {kept}, w.grp FROM {source} t JOIN {work} w USING ({rowId}) {withPermuted} WHERE w.grp IS NOT NULL", none, ct, logged: true);
        await TableRebuild.FillAsync(conn, Sql.Table(r.Schema, stName), [new(StagingLayout.RowId, FieldType.Integer), .. stColumns],
            // A value's records under the cap are consecutive positions, fewer than G, dealt round-robin: each lands in a
            // group of its own, so every (group, value) holds exactly one record and ST needs no grouping — a count of 1.
            $"SELECT row_number() OVER (ORDER BY w.grp, w.vid), w.grp, h.v, 1 FROM {work} w JOIN {histogram} h USING (vid) WHERE w.grp IS NOT NULL",
            none, ct, logged: true);
        await none.ExecuteAsync(conn, $"""
            DROP TABLE {work}, {histogram};
            DROP TABLE {source};
            {(permutation is null ? "" : $"DROP TABLE {permutation.Map};")}
            """, ct);
        return new(new(qitName, r.Ordinal, qitColumns, r.PrimaryKey, r.Table), new(stName, r.Ordinal, stColumns, null, r.Table), rejected);
    }

    /// <summary>The name of the anatomized column's draw among the table's draws (<see cref="RowDraws"/>).</summary>
    public static string Purpose(string column) => column + "/anatomy";

    /// <summary>vid, f and start of the NULL value's block, or null when no record has NULL.</summary>
    private static async Task<long?[]?> NullBlockAsync(NpgsqlConnection conn, SqlParameters p, string blocks, CancellationToken ct)
    {
        await using var cmd = p.Command(conn, $"SELECT vid, f, start FROM ({blocks}) b WHERE v IS NULL");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return [reader.GetInt64(0), reader.GetInt64(1), Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)];
    }

    /// <summary>
    /// The largest G with Σ_v min(f_v, G) ≥ l·G (0 when fewer than l distinct values). The left side minus l·G is
    /// concave in G and 0 at G = 0, so the answer is found from the value histogram: B, the largest frequency where
    /// it still holds, and then the segment above B where c values are capped: G = ⌊Σ_{f ≤ B} f / (l − c)⌋.
    /// </summary>
    private static async Task<long> GroupCountAsync(NpgsqlConnection conn, string histogram, int l, CancellationToken ct)
    {
        var p = new SqlParameters();
        var lp = p.Add(l, NpgsqlDbType.Bigint);
        return await p.ScalarAsync<long>(conn, $"""
            WITH fs AS (SELECT f, count(*) AS m FROM {histogram} GROUP BY f),
                 st AS (SELECT f, sum(m) OVER (ORDER BY f DESC) AS cnt_ge,
                               coalesce(sum(f * m) OVER (ORDER BY f ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS sum_lt
                        FROM fs),
                 b AS (SELECT coalesce(max(f), 0) AS b FROM st WHERE cnt_ge * f + sum_lt >= {lp} * f)
            SELECT floor(coalesce((SELECT sum(f * m) FROM fs, b WHERE f <= b.b), 0)::numeric
                         / ({lp} - coalesce((SELECT sum(m) FROM fs, b WHERE f > b.b), 0)))::bigint
            """, ct);
    }
}
