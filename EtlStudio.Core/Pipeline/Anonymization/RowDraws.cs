using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A table's per-row random draws, several from one hash: SHA-256 of a key (seed, table, digest number) and the row's
/// <c>_row</c> gives 32 bytes, read as four independent 56-bit numbers, one per purpose (a perturbed column, a
/// permuted column, the anatomized column). Hashing dominates the cost of randomness, so one hash serves up to four
/// purposes, and the draws later phases need are carried from the first rewrite in hidden columns
/// (<c>_anon_r{n}</c>, bigint) instead of being hashed again.
/// </summary>
internal sealed class RowDraws
{
    private const int PerDigest = 4;
    private readonly Dictionary<string, int> _index = [];

    /// <summary>The purposes later phases take from carried columns, with their column names.</summary>
    public IReadOnlyDictionary<string, string> Carried { get; private init; } = new Dictionary<string, string>();

    private RowDraws() { }

    /// <summary>
    /// Draws for the first rewrite's own purposes (<paramref name="local"/>) and for <paramref name="carried"/>, which
    /// that rewrite keeps as hidden columns for later phases.
    /// </summary>
    public static RowDraws For(IEnumerable<string> local, IReadOnlyList<string> carried)
    {
        var draws = new RowDraws { Carried = carried.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => "_anon_r" + x.i) };
        foreach (var purpose in local.Concat(carried)) draws._index.TryAdd(purpose, draws._index.Count);
        return draws;
    }

    public int Digests => (_index.Count + PerDigest - 1) / PerDigest;

    /// <summary>The digest columns' definitions for the inner query (<c>_anon_h{d}</c>).</summary>
    public IEnumerable<string> DigestColumns(AnonymizationRequest r, SqlParameters p, string rowExpression) =>
        Enumerable.Range(0, Digests).Select(d =>
            $"sha256({p.Add(RandomSql.Key(r.Seed, $"{r.Table}/draws/{d}"), NpgsqlDbType.Bytea)} || int8send({rowExpression})) AS _anon_h{d}");

    /// <summary>The purpose's 56-bit number, from its digest column.</summary>
    public string Bits(string purpose)
    {
        var k = _index[purpose];
        return RandomSql.Bits($"_anon_h{k / PerDigest}", k % PerDigest * 7);
    }

    public string Uniform(string purpose) => RandomSql.UniformOfBits(Bits(purpose));

    /// <summary>A JSON record without the hidden draw columns.</summary>
    public string Strip(string json) => Carried.Count == 0 ? json : $"({json} - ARRAY[{string.Join(", ", Carried.Values.Select(v => $"'{v}'"))}])";

    /// <summary>The hidden columns' names, for removing them from a JSON record; empty when nothing is carried.</summary>
    public static string Strip(string json, RowDraws? draws) => draws is null ? json : draws.Strip(json);

    /// <summary>The ORDER BY key of a carried purpose, or a fresh hash when none was carried.</summary>
    public static string Order(RowDraws? draws, string purpose, string alias, Func<string> fresh) =>
        draws is not null && draws.Carried.TryGetValue(purpose, out var column) ? $"{alias}{Sql.Ident(column)}" : fresh();
}
