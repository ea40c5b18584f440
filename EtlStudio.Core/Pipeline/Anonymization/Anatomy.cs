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
/// The grouping is worked out on narrow data (<see cref="GroupAsync"/>); QIT and ST are then written from it.
/// </summary>
internal sealed class Anatomy
{
    private readonly string _histogram;
    private readonly long _groups;
    private readonly int _l;

    private Anatomy(ResolvedColumn sensitive, string histogram, string work, long groups, int l, bool overCap) =>
        (Sensitive, _histogram, Work, _groups, _l, OverCap) = (sensitive, histogram, work, groups, l, overCap);

    public ResolvedColumn Sensitive { get; }

    /// <summary>The narrow table of every kept record's group: <c>_row</c>, <c>vid</c>, <c>f</c>, <c>grp</c> (NULL over the cap).</summary>
    public string Work { get; }

    /// <summary>Whether some records are over the cap and must be rejected.</summary>
    public bool OverCap { get; }

    /// <summary>The scratch tables, for dropping.</summary>
    public IEnumerable<string> Scratch => [Work, _histogram];

    /// <summary>The name of the anatomized column's draw among the table's draws (<see cref="RowDraws"/>).</summary>
    public static string Purpose(string column) => column + "/anatomy";

    /// <summary>Groups the records not in a small class (<paramref name="small"/>, see <see cref="KAnonymityFilter"/>).</summary>
    public static async Task<Anatomy> GroupAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, CancellationToken ct)
    {
        var sensitive = plan.Anatomized!;
        var l = plan.L!.Value;
        var rowId = Sql.Ident(StagingLayout.RowId);
        var s = Sql.Ident(sensitive.Name);

        // The value histogram, each value numbered (vid) so the big sort below is on numbers, not on values.
        var histogram = Sql.Table(r.Schema, Anonymization.Scratch.Name());
        var hp = new SqlParameters();
        var hrows = PublishedRows.For(r, plan, hp);
        await TableRebuild.CreateAsync(conn, histogram, [new("v", sensitive.Type), new("f", FieldType.Integer), new("vid", FieldType.Integer)], ct);
        await hp.ExecuteAsync(conn,
            $"INSERT INTO {histogram} SELECT v, f, row_number() OVER (ORDER BY v) FROM (SELECT t.{s} AS v, count(*) AS f FROM {hrows.Query} t "
            + $"WHERE {KAnonymityFilter.Kept(small, plan, hrows, "t")} GROUP BY t.{s}) x; ANALYZE {histogram}", ct);
        var groups = await GroupCountAsync(conn, histogram, l, ct);

        // Every record's rank within its value (random) and, under the cap, its group: the value's block starts after
        // the capped counts of the values before it, and positions are dealt round-robin to the G groups.
        var work = Sql.Table(r.Schema, Anonymization.Scratch.Name());
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var g = p.Add(groups, NpgsqlDbType.Bigint);
        var blocks = $"SELECT v, f, vid, coalesce(sum(least(f, {g})) OVER (ORDER BY vid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start FROM {histogram}";
        // NULL cannot be matched by the equality (hash) join, so its block is looked up once and passed in.
        var nb = await NullBlockAsync(conn, p, blocks, ct);
        var (nVid, nF, nStart) = (p.Add(nb?[0], NpgsqlDbType.Bigint), p.Add(nb?[1], NpgsqlDbType.Bigint), p.Add(nb?[2], NpgsqlDbType.Bigint));
        await TableRebuild.FillAsync(conn, work, [new(StagingLayout.RowId, FieldType.Integer), new("vid", FieldType.Integer), new("f", FieldType.Integer), new("grp", FieldType.Integer)], $"""
            SELECT {rowId}, vid, f, CASE WHEN rv <= {g} THEN (start + rv - 1) % greatest({g}, 1) + 1 END
            FROM (SELECT t.{rowId}, coalesce(h.vid, {nVid}) AS vid, coalesce(h.f, {nF}) AS f, coalesce(h.start, {nStart}) AS start,
                         row_number() OVER (PARTITION BY coalesce(h.vid, {nVid}) ORDER BY t.{rows.Draw(Purpose(sensitive.Name))}, t.{rowId}) AS rv
                  FROM {rows.Query} t LEFT JOIN ({blocks}) h ON h.v = t.{s}
                  WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}) x
            """, p, ct);
        await new SqlParameters().ExecuteAsync(conn, $"ANALYZE {work}", ct);
        var overCap = await new SqlParameters().ScalarAsync<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {work} WHERE grp IS NULL)", ct);
        return new Anatomy(sensitive, histogram, work, groups, l, overCap);
    }

    /// <summary>Files the records over the cap as rejects, with the values they would have published.</summary>
    public Task<int> RejectAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, ColumnPermutation? permutation, CancellationToken ct)
    {
        var rowId = Sql.Ident(StagingLayout.RowId);
        var rj = new SqlParameters();
        var rows = PublishedRows.For(r, plan, rj);
        var lp = rj.Add(_l, NpgsqlDbType.Integer);
        var gp = rj.Add(_groups, NpgsqlDbType.Bigint);
        var json = permutation is null ? rows.Json("t") : permutation.Json(rows.Json("t"), "m");
        var withPermuted = permutation is null ? "" : $"JOIN {permutation.Map} m USING ({rowId})";
        return rj.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, rj)
            + $"{rj.Add(AnonymizationRejects.LDiversity, NpgsqlDbType.Text)}, {rj.Add(Sensitive.Name, NpgsqlDbType.Text)}, "
            + $"CASE WHEN {gp} = 0 THEN 'fewer than l=' || {lp} || ' distinct sensitive values to form a group' "
            + $"ELSE 'sensitive value occurs ' || w.f || ' times but ' || {gp} || ' groups of l=' || {lp} || ' hold it at most ' || {gp} || ' times' END, "
            + $"t.{rowId}, {json} FROM {rows.Query} t JOIN {Work} w USING ({rowId}) {withPermuted} WHERE w.grp IS NULL", ct);
    }

    /// <summary>QIT's columns: every column but the sensitive one, with published types, then the group id.</summary>
    public IReadOnlyList<OutboxColumn> QitColumns(IReadOnlyList<OutboxColumn> published) =>
        published.Where(c => c.Name != Sensitive.Name).Append(new(AnonymizationPlan.GroupId, FieldType.Integer)).ToList();

    public IReadOnlyList<OutboxColumn> StColumns =>
        [new(AnonymizationPlan.GroupId, FieldType.Integer), new(Sensitive.Name, Sensitive.Type), new(AnonymizationPlan.Count, FieldType.Integer)];

    /// <summary>Writes QIT (logged, as published) into <paramref name="table"/>: the kept records under the cap with their group.</summary>
    public Task WriteQitAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, ColumnPermutation? permutation, string table, CancellationToken ct)
    {
        var rowId = Sql.Ident(StagingLayout.RowId);
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var withPermuted = permutation is null ? "" : $"JOIN {permutation.Map} m USING ({rowId})";
        var kept = string.Join(", ", rows.Columns.Where(c => c.Name != Sensitive.Name)
            .Select(c => permutation?.Value(c.Name, "t", "m") ?? "t." + Sql.Ident(c.Name)).Prepend("t." + rowId));
        return TableRebuild.FillAsync(conn, table, [new(StagingLayout.RowId, FieldType.Integer), .. QitColumns(rows.Columns)],
            $"SELECT {kept}, w.grp FROM {rows.Query} t JOIN {Work} w USING ({rowId}) {withPermuted} WHERE w.grp IS NOT NULL", p, ct, logged: true);
    }

    /// <summary>Writes ST (logged) into <paramref name="table"/>.</summary>
    public Task WriteStAsync(NpgsqlConnection conn, string table, CancellationToken ct) =>
        TableRebuild.FillAsync(conn, table, [new(StagingLayout.RowId, FieldType.Integer), .. StColumns],
            // A value's records under the cap are consecutive positions, fewer than G, dealt round-robin: each lands in a
            // group of its own, so every (group, value) holds exactly one record and ST needs no grouping — a count of 1.
            $"SELECT row_number() OVER (ORDER BY w.grp, w.vid), w.grp, h.v, 1 FROM {Work} w JOIN {_histogram} h USING (vid) WHERE w.grp IS NOT NULL",
            new SqlParameters(), ct, logged: true);

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
