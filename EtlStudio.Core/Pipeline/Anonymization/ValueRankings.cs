namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Each sensitive value's ranking of its records, for the anatomy: the next record of a value read takes the next
/// position, which a random permutation of the value's f positions (keyed by the value's number) turns into its rank.
/// When the records come sorted by value only the current value's ranking is held; otherwise rankings kept as arrays
/// are held up to a budget, beyond which a value's ranking is enciphered (<see cref="RandomPermutation"/>).
/// </summary>
internal sealed class ValueRankings(KeyedRandom random, bool sorted)
{
    /// <summary>The most positions held as arrays at once (4 bytes each).</summary>
    public const long ArrayBudget = 1 << 24;

    private readonly Dictionary<long, (RandomPermutation Permutation, long Next)> _values = [];
    private long _held;

    /// <summary>The ranks (0 … f−1) of the first <paramref name="n"/> records read, of value numbers <paramref name="vid"/> and frequencies <paramref name="f"/>.</summary>
    public long[] Rank(long[] vid, long[] f, int n)
    {
        var rank = new long[n];
        // Enciphered rankings take a value's positions of the batch in one call (one AES call a round).
        Dictionary<long, List<int>>? enciphered = null;
        for (var i = 0; i < n; i++)
        {
            if (!_values.TryGetValue(vid[i], out var value))
            {
                if (sorted) Release();
                var limit = Math.Min(RandomPermutation.InMemoryLimit, ArrayBudget - _held);
                value = (RandomPermutation.Of(f[i], random, (ulong)vid[i], limit), 0);
                if (f[i] <= limit) _held += f[i];
            }
            rank[i] = value.Next++;
            _values[vid[i]] = value;
            if (!value.Permutation.Enciphered) value.Permutation.Map(rank.AsSpan(i, 1));
            else
            {
                enciphered ??= [];
                if (!enciphered.TryGetValue(vid[i], out var at)) enciphered[vid[i]] = at = [];
                at.Add(i);
            }
        }
        foreach (var (v, at) in enciphered ?? [])
        {
            var positions = at.Select(i => rank[i]).ToArray();
            _values[v].Permutation.Map(positions);
            for (var k = 0; k < at.Count; k++) rank[at[k]] = positions[k];
        }
        return rank;
    }

    private void Release()
    {
        _values.Clear();
        _held = 0;
    }
}
