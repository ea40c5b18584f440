using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A table's per-row random draws, several from one hash: SHA-256 of a key (seed, table, digest number) and the row's
/// <c>_row</c> gives 32 bytes, read as four independent 56-bit numbers, one per purpose (a perturbed column's noise, a
/// permuted column's order, the anatomized column's order). Hashing dominates the cost of randomness, so one hash
/// serves up to four purposes; every phase derives a draw the same way, so phases agree without storing it.
/// </summary>
internal sealed class RowDraws
{
    private const int PerDigest = 4;
    private readonly Dictionary<string, int> _index = [];

    private RowDraws() { }

    public static RowDraws For(IEnumerable<string> purposes)
    {
        var draws = new RowDraws();
        foreach (var purpose in purposes) draws._index.TryAdd(purpose, draws._index.Count);
        return draws;
    }

    public int Digests => (_index.Count + PerDigest - 1) / PerDigest;

    /// <summary>The digest columns' definitions (<c>_anon_h{d}</c>).</summary>
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
}
