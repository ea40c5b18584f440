using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The random draws of the reference path (<see cref="ReferenceAnonymizer"/>) as small tables, made by the same keyed
/// primitives the fast paths use (<see cref="KeyedRandom"/>, <see cref="RandomPermutation"/>), so both paths make the
/// same random choices and their outputs can be compared row for row. What is done with the draws stays in SQL.
/// </summary>
internal static class ReferenceDraws
{
    /// <summary>A table <c>(_row, _anon_u0, …)</c>: each record's uniform number per noise purpose (<see cref="NoiseDraws"/>).</summary>
    public static async Task NoiseAsync(NpgsqlConnection conn, AnonymizationRequest r, IReadOnlyList<string> purposes, IReadOnlyList<string> names, string table, CancellationToken ct)
    {
        var rows = await LongsAsync(conn, $"SELECT {Sql.Ident(StagingLayout.RowId)} FROM {Sql.Table(r.Schema, r.Table)}", ct);
        using var draws = new NoiseDraws(r, purposes);
        var u = draws.For(rows, rows.Length);
        await WriteAsync(conn, table, [(StagingLayout.RowId, NpgsqlDbType.Bigint, rows), .. names.Select((n, i) => (n, NpgsqlDbType.Double, (Array)u[i]))], ct);
    }

    /// <summary>A table <c>(pos, image)</c>: the permutation π of the positions 0 … n−1 that shuffles <paramref name="column"/> across the table.</summary>
    public static Task PermutationAsync(NpgsqlConnection conn, AnonymizationRequest r, string column, long n, string table, CancellationToken ct)
    {
        using var random = RecordChoices.Random(r, ColumnPermutation.Purpose(column));
        var positions = new long[n];
        for (var i = 0; i < n; i++) positions[i] = i;
        var images = (long[])positions.Clone();
        RandomPermutation.Of(n, random, 0).Map(images);
        return WriteAsync(conn, table, [("pos", NpgsqlDbType.Bigint, positions), ("image", NpgsqlDbType.Bigint, images)], ct);
    }

    /// <summary>
    /// A table <c>(vid, position, rank)</c>: for each value of the histogram <paramref name="histogram"/> (<c>vid, f</c>),
    /// the rank of its record at each position 0 … f−1, by a random permutation keyed by the value's number.
    /// </summary>
    public static async Task RanksAsync(NpgsqlConnection conn, AnonymizationRequest r, string sensitive, string histogram, string table, CancellationToken ct)
    {
        using var random = RecordChoices.Random(r, Anatomy.Purpose(sensitive));
        var (vids, positions, ranks) = (new List<long>(), new List<long>(), new List<long>());
        await using (var cmd = new SqlParameters().Command(conn, $"SELECT vid, f FROM {histogram} ORDER BY vid"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var (vid, f) = (reader.GetInt64(0), reader.GetInt64(1));
                var rank = new long[f];
                for (var i = 0; i < f; i++) rank[i] = i;
                RandomPermutation.Of(f, random, (ulong)vid).Map(rank);
                vids.AddRange(Enumerable.Repeat(vid, (int)f));
                positions.AddRange(Enumerable.Range(0, (int)f).Select(i => (long)i));
                ranks.AddRange(rank);
            }
        await WriteAsync(conn, table, [("vid", NpgsqlDbType.Bigint, vids.ToArray()), ("position", NpgsqlDbType.Bigint, positions.ToArray()), ("rank", NpgsqlDbType.Bigint, ranks.ToArray())], ct);
    }

    private static async Task<long[]> LongsAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        var values = new List<long>();
        await using var cmd = new SqlParameters().Command(conn, sql);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) values.Add(reader.GetInt64(0));
        return [.. values];
    }

    /// <summary>Creates <paramref name="table"/> from equally long arrays, one a column, by <c>unnest</c>.</summary>
    private static Task WriteAsync(NpgsqlConnection conn, string table, IReadOnlyList<(string Name, NpgsqlDbType Type, Array Values)> columns, CancellationToken ct)
    {
        var p = new SqlParameters();
        var arrays = columns.Select(c => p.Add(c.Values, NpgsqlDbType.Array | c.Type)).ToList();
        return p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {table} {Sql.Working} AS SELECT * FROM unnest({string.Join(", ", arrays)}) AS _d ({string.Join(", ", columns.Select(c => Sql.Ident(c.Name)))}); ANALYZE {table}", ct);
    }
}
