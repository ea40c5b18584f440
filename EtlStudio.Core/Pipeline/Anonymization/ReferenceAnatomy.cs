using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Anatomization on the reference path (<see cref="ReferenceAnonymizer"/>), step by step in SQL: the value histogram,
/// G (the most groups such that, with every value capped at G records, l·G records remain), each value's block of
/// positions, each record's rank within its value (a keyed random permutation of the value's records in storage
/// order, <see cref="ReferenceDraws.RanksAsync"/>), its group — ranks dealt round-robin from the block's start, none
/// over the cap — and the records over the cap filed as rejects.
/// </summary>
internal sealed class ReferenceAnatomy(ReferencePhases phases)
{
    /// <summary>The kept records with their group (<c>vid</c>, <c>grp</c> columns added), how many went over the cap, and the number of distinct values.</summary>
    public sealed record Dealt(string Kept, long Rejected, long Values);

    public async Task<Dealt> DealAsync(string kept, CancellationToken ct)
    {
        var (conn, r, plan) = (phases.Connection, phases.Request, phases.Plan);
        var sensitive = plan.Anatomized!;
        var s = Sql.Ident(sensitive.Name);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var lp = new SqlParameters();
        var l = lp.Add(plan.L!.Value, NpgsqlDbType.Bigint);

        // Each distinct value (NULL one of them) numbered in value order, with its frequency.
        var histogram = phases.NewTable();
        await new SqlParameters().ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {histogram} AS "
            + $"SELECT v, f, row_number() OVER (ORDER BY v) AS vid FROM (SELECT {s} AS v, count(*) AS f FROM {kept} GROUP BY {s}) x", ct);
        var values = await new SqlParameters().ScalarAsync<long>(conn, $"SELECT count(*) FROM {histogram}", ct);
        // G: the largest g for which the values, each capped at g records, still fill g groups of l.
        var groups = await lp.ScalarAsync<long>(conn, $"SELECT coalesce(max(g), 0) FROM generate_series(1, (SELECT count(*) FROM {kept}) / {l}) g "
            + $"WHERE (SELECT sum(least(f, g)) FROM {histogram}) >= {l} * g", ct);

        // A value's block starts after the capped counts of the values before it; its records take positions 0 … f−1 in storage order.
        var ranks = phases.NewTable();
        await ReferenceDraws.RanksAsync(conn, r, sensitive.Name, histogram, ranks, ct);
        var dealt = phases.NewTable();
        var gp = new SqlParameters();
        var g = gp.Add(groups, NpgsqlDbType.Bigint);
        await gp.ExecuteAsync(conn, $"""
            CREATE UNLOGGED TABLE {dealt} AS
            WITH blocks AS (SELECT vid, v, f, coalesce(sum(least(f, {g})) OVER (ORDER BY vid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start FROM {histogram}),
                 placed AS (SELECT k.*, b.vid, b.f, b.start, row_number() OVER (PARTITION BY b.vid ORDER BY k._at) - 1 AS position
                            FROM {kept} k JOIN blocks b ON k.{s} IS NOT DISTINCT FROM b.v)
            SELECT p.*, CASE WHEN rk.rank < {g} THEN (p.start + rk.rank) % {g} + 1 END AS grp
            FROM placed p JOIN {ranks} rk USING (vid, position)
            """, ct);

        var rj = new SqlParameters();
        var (lr, gr) = (rj.Add(plan.L.Value, NpgsqlDbType.Integer), rj.Add(groups, NpgsqlDbType.Bigint));
        var rejected = await rj.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, rj)
            + $"{rj.Add(AnonymizationRejects.LDiversity, NpgsqlDbType.Text)}, {rj.Add(sensitive.Name, NpgsqlDbType.Text)}, "
            + $"CASE WHEN {gr} = 0 THEN 'fewer than l=' || {lr} || ' distinct sensitive values to form a group' "
            + $"ELSE 'sensitive value occurs ' || d.f || ' times but ' || {gr} || ' groups of l=' || {lr} || ' hold it at most ' || {gr} || ' times' END, "
            + $"s.{rowId}, {AnonymizationRejects.Record(r, "s")} FROM {phases.Source} s JOIN {dealt} d USING ({rowId}) WHERE d.grp IS NULL ORDER BY s.{rowId}", ct);
        var grouped = phases.NewTable();
        await new SqlParameters().ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {grouped} AS SELECT * FROM {dealt} WHERE grp IS NOT NULL", ct);
        return new Dealt(grouped, rejected, values);
    }
}
