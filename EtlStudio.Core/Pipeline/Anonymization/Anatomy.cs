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
/// The records' groups are worked out on narrow data (<see cref="AnatomyDealing"/>); QIT and ST are then written from them.
/// </summary>
internal sealed class Anatomy
{
    private readonly string _histogram;
    private readonly long _groups;
    private readonly int _l;
    private readonly (long Vid, long F, long Start)? _nullBlock;
    private readonly long _values;
    private object?[]? _valueOf;

    private Anatomy(ResolvedColumn sensitive, string histogram, long groups, int l, (long, long, long)? nullBlock, long values, bool overCap) =>
        (Sensitive, _histogram, _groups, _l, _nullBlock, _values, OverCap) = (sensitive, histogram, groups, l, nullBlock, values, overCap);

    /// <summary>Whether some value occurs more often than there are groups, so that records over the cap will be rejected.</summary>
    public bool OverCap { get; }

    public ResolvedColumn Sensitive { get; }

    /// <summary>G, the number of groups (0 when fewer than l distinct values).</summary>
    public long Groups => _groups;

    /// <summary>The number of distinct sensitive values among the kept records (NULL one of them).</summary>
    public long Values => _values;

    /// <summary>The scratch tables, for dropping.</summary>
    public IEnumerable<string> Scratch => [_histogram];

    /// <summary>The choices' columns anatomy adds: the value's number and frequency, and the group (NULL over the cap).</summary>
    public static IReadOnlyList<string> ChoiceNames => ["_anon_vid", "_anon_f", "_anon_grp"];

    /// <summary>The name of the anatomized column's draw among the table's draws (<see cref="RowDraws"/>).</summary>
    public static string Purpose(string column) => column + "/anatomy";

    /// <summary>The value histogram of the records not in a small class (<paramref name="small"/>, see <see cref="KAnonymityFilter"/>) and the number of groups.</summary>
    public static async Task<Anatomy> PrepareAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, CancellationToken ct)
    {
        var sensitive = plan.Anatomized!;
        var l = plan.L!.Value;
        var s = Sql.Ident(sensitive.Name);

        // Each value numbered (vid), the records' rankings are kept by number.
        var histogram = Sql.Table(r.Schema, Anonymization.Scratch.Name());
        var hp = new SqlParameters();
        var hrows = PublishedRows.Reading(r, plan, hp, plan.QuasiIdentifiers.Append(sensitive.Name));
        await TableRebuild.CreateAsync(conn, histogram, [new("v", sensitive.Type), new("f", FieldType.Integer), new("vid", FieldType.Integer)], ct);
        await hp.ExecuteAsync(conn,
            $"INSERT INTO {histogram} SELECT v, f, row_number() OVER (ORDER BY v) FROM (SELECT t.{s} AS v, count(*) AS f FROM {hrows.Query} t "
            + $"WHERE {KAnonymityFilter.Kept(small, plan, hrows, "t")} GROUP BY t.{s}) x; ANALYZE {histogram}", ct);
        var groups = await GroupCountAsync(conn, histogram, l, ct);
        var bp = new SqlParameters();
        await bp.ExecuteAsync(conn, $"ALTER TABLE {histogram} ADD COLUMN start bigint; "
            + $"UPDATE {histogram} h SET start = b.start FROM ({Blocks(histogram, bp.Add(groups, NpgsqlDbType.Bigint))}) b WHERE b.vid = h.vid; ANALYZE {histogram}", ct);
        // NULL cannot be matched by the equality (hash) join, so its block is looked up once and passed in.
        (long, long, long)? nullBlock = null;
        await using (var cmd = new SqlParameters().Command(conn, $"SELECT vid, f, start FROM {histogram} WHERE v IS NULL"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            if (await reader.ReadAsync(ct)) nullBlock = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var values = await new SqlParameters().ScalarAsync<long>(conn, $"SELECT count(*) FROM {histogram}", ct);
        var op = new SqlParameters();
        var overCap = await op.ScalarAsync<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {histogram} WHERE f > {op.Add(groups, NpgsqlDbType.Bigint)})", ct);
        return new Anatomy(sensitive, histogram, groups, l, nullBlock, values, overCap);
    }

    /// <summary>Holds every value by its number, so that ST is written as the records are dealt (<see cref="WriteStRow"/>).</summary>
    public async Task HoldValuesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var valueOf = new object?[_values + 1];
        await using var cmd = new SqlParameters().Command(conn, $"SELECT vid, v FROM {_histogram}");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) valueOf[reader.GetInt64(0)] = reader.IsDBNull(1) ? null : reader.GetValue(1);
        _valueOf = valueOf;
    }

    /// <summary>Each value's block: it starts after the capped counts of the values before it.</summary>
    private static string Blocks(string histogram, string g) =>
        $"SELECT v, f, vid, coalesce(sum(least(f, {g})) OVER (ORDER BY vid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start FROM {histogram}";

    /// <summary>
    /// For <see cref="AnatomyDealing"/>: the kept records (not in a small class, <paramref name="small"/>) as
    /// <c>(_row, vid, f, start)</c> — the value's number and frequency and where its block starts — in the table's
    /// storage order (a sequential scan from its start) or, <paramref name="sorted"/>, by value and then storage order:
    /// either way each value's records come in storage order. Then <paramref name="also"/>, expressions over the rows
    /// (alias <c>t</c>, read with their storage order, <see cref="PublishedRows.StorageOrder"/>).
    /// </summary>
    public string Records(SqlParameters p, AnonymizationPlan plan, PublishedRows rows, string? small, bool sorted, IEnumerable<string>? also = null)
    {
        var rowId = $"t.{Sql.Ident(StagingLayout.RowId)}";
        var vid = $"coalesce(h.vid, {p.Add(_nullBlock?.Vid, NpgsqlDbType.Bigint)})";
        return $"SELECT {rowId}, {vid}, coalesce(h.f, {p.Add(_nullBlock?.F, NpgsqlDbType.Bigint)}), coalesce(h.start, {p.Add(_nullBlock?.Start, NpgsqlDbType.Bigint)})"
            + string.Concat((also ?? []).Select(x => ", " + x)) + " "
            + $"FROM {rows.Query} t LEFT JOIN {_histogram} h ON h.v = t.{Sql.Ident(Sensitive.Name)} "
            + $"WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}{(sorted ? $" ORDER BY {vid}, t.{PublishedRows.StorageOrder}" : "")}";
    }

    /// <summary>
    /// The group of the record of rank <paramref name="rank"/> (1 … f, random) within its value, whose block starts at
    /// <paramref name="start"/>: positions of the block dealt round-robin to the G groups; none over the cap of G.
    /// </summary>
    public long? Group(long start, long rank) => rank <= _groups ? (start + rank - 1) % Math.Max(_groups, 1) + 1 : null;

    /// <summary>Whether some records are over the cap and must be rejected.</summary>
    public static Task<bool> OverCapAsync(NpgsqlConnection conn, RecordChoices choices, CancellationToken ct) =>
        new SqlParameters().ScalarAsync<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {choices.Parts[0].Table} WHERE _anon_grp IS NULL)", ct);

    /// <summary>Files the records over the cap as rejects, as staged.</summary>
    public Task<int> RejectAsync(NpgsqlConnection conn, AnonymizationRequest r, RecordChoices choices, CancellationToken ct)
    {
        var rj = new SqlParameters();
        var lp = rj.Add(_l, NpgsqlDbType.Integer);
        var gp = rj.Add(_groups, NpgsqlDbType.Bigint);
        var rowId = Sql.Ident(StagingLayout.RowId);
        return rj.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, rj)
            + $"{rj.Add(AnonymizationRejects.LDiversity, NpgsqlDbType.Text)}, {rj.Add(Sensitive.Name, NpgsqlDbType.Text)}, "
            + $"CASE WHEN {gp} = 0 THEN 'fewer than l=' || {lp} || ' distinct sensitive values to form a group' "
            + $"ELSE 'sensitive value occurs ' || g._anon_f || ' times but ' || {gp} || ' groups of l=' || {lp} || ' hold it at most ' || {gp} || ' times' END, "
            + $"s.{rowId}, {AnonymizationRejects.Record(r, "s")} FROM {Sql.Table(r.Schema, r.Table)} s JOIN {choices.Parts[0].Table} g ON g.{rowId} = s.{rowId} "
            + $"WHERE g._anon_grp IS NULL ORDER BY s.{rowId}", ct);
    }

    /// <summary>QIT's columns: every column but the sensitive one, with published types, then the group id.</summary>
    public IReadOnlyList<OutboxColumn> QitColumns(IReadOnlyList<OutboxColumn> published) => QitColumnsOf(published, Sensitive);

    public IReadOnlyList<OutboxColumn> StColumns => StColumnsOf(Sensitive);

    public static IReadOnlyList<OutboxColumn> QitColumnsOf(IReadOnlyList<OutboxColumn> published, ResolvedColumn sensitive) =>
        published.Where(c => c.Name != sensitive.Name).Append(new(AnonymizationPlan.GroupId, FieldType.Integer)).ToList();

    public static IReadOnlyList<OutboxColumn> StColumnsOf(ResolvedColumn sensitive) =>
        [new(AnonymizationPlan.GroupId, FieldType.Integer), new(sensitive.Name, sensitive.Type), new(AnonymizationPlan.Count, FieldType.Integer)];

    /// <summary>Writes QIT (logged, as published) into <paramref name="table"/>: the kept records under the cap with their group.</summary>
    public Task WriteQitAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, RecordChoices choices, ColumnPermutation permutation,
        string table, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p, choices);
        var kept = string.Join(", ", rows.Columns.Where(c => c.Name != Sensitive.Name).Select(c => permutation.Value(c.Name, "t")).Prepend("t." + Sql.Ident(StagingLayout.RowId)));
        return TableRebuild.FillAsync(conn, table, [new(StagingLayout.RowId, FieldType.Integer), .. QitColumns(rows.Columns)],
            $"SELECT {kept}, t._anon_grp FROM {rows.Query} t WHERE t._anon_grp IS NOT NULL", p, ct, logged: true);
    }

    /// <summary>ST's table: its row number, then <see cref="StColumns"/>.</summary>
    public IReadOnlyList<OutboxColumn> StTableColumns => [new(StagingLayout.RowId, FieldType.Integer), .. StColumns];

    /// <summary>
    /// Whether every value is held by its number (<see cref="HoldValuesAsync"/>), so that ST is written as the records
    /// are dealt (<see cref="WriteStRow"/>), by COPY, which writes rows more cheaply than <c>CREATE TABLE AS</c>.
    /// Otherwise <see cref="WriteStAsync"/> writes it after.
    /// </summary>
    public bool HoldsValues => _valueOf is not null;

    /// <summary>ST's row for a record dealt to group <paramref name="group"/> with value number <paramref name="vid"/>; as <see cref="WriteStAsync"/> writes it.</summary>
    public void WriteStRow(BinaryCopyRows output, long group, long vid)
    {
        output.StartRow(4);
        output.Write((group - 1) * _values + vid);
        output.Write(group);
        output.Write(_valueOf![vid], Sensitive.Type);
        output.Write(1L);
    }

    /// <summary>Writes ST (logged) into <paramref name="table"/>.</summary>
    public Task WriteStAsync(NpgsqlConnection conn, RecordChoices choices, string table, CancellationToken ct)
    {
        var p = new SqlParameters();
        var values = p.Add(_values, NpgsqlDbType.Bigint);
        return TableRebuild.FillAsync(conn, table, StTableColumns,
            // A value's records under the cap are consecutive positions, fewer than G, dealt round-robin: each lands in a
            // group of its own, so every (group, value) holds exactly one record and ST needs no grouping — a count of 1.
            // The pair numbers the row too, in (group, value) order, without sorting: it tells nothing the row does not.
            $"SELECT (w._anon_grp - 1) * {values} + w._anon_vid, w._anon_grp, h.v, 1 FROM {choices.Parts[0].Table} w JOIN {_histogram} h ON h.vid = w._anon_vid WHERE w._anon_grp IS NOT NULL",
            p, ct, logged: true);
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
