using System.Numerics;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A set of row numbers (<c>_row</c>) as a bitmap, with rank (how many members are smaller) and select (the member of a
/// given rank), so the records can be numbered 0 … n−1 in <c>_row</c> order without sorting them. One bit per row
/// number up to the largest and a running count per 64 of them: two bits a row number. Members may be added in any order; then
/// <see cref="Seal"/>.
/// </summary>
internal sealed class RowSet
{
    /// <summary>The bitmap never spans more than this many row numbers (64 MB); far beyond what a table of the engine reaches.</summary>
    public const long MaxSpan = 1L << 29;

    private ulong[] _words = new ulong[1024];
    private long[] _before = [];

    public long Count { get; private set; }

    /// <summary>Adds a member; false when it is beyond what the bitmap spans.</summary>
    public bool Add(long row)
    {
        if (row < 0 || row >= MaxSpan) return false;
        var w = row >> 6;
        if (w >= _words.Length) Array.Resize(ref _words, (int)Math.Min(Math.Max(w + 1, _words.Length * 2L), MaxSpan >> 6));
        var bit = 1UL << (int)(row & 63);
        if ((_words[w] & bit) == 0) Count++;
        _words[w] |= bit;
        return true;
    }

    public void Seal()
    {
        _before = new long[_words.Length + 1];
        for (var i = 0; i < _words.Length; i++) _before[i + 1] = _before[i] + BitOperations.PopCount(_words[i]);
    }

    /// <summary>The number of members smaller than <paramref name="row"/> (a member's position in <c>_row</c> order).</summary>
    public long Rank(long row)
    {
        var w = row >> 6;
        return _before[w] + BitOperations.PopCount(_words[w] & ((1UL << (int)(row & 63)) - 1));
    }

    /// <summary>The member at position <paramref name="rank"/> (0 … Count−1) in <c>_row</c> order.</summary>
    public long Select(long rank)
    {
        // The last word with fewer members before it than the rank.
        int lo = 0, hi = _words.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (_before[mid] <= rank) lo = mid; else hi = mid - 1;
        }
        var word = _words[lo];
        for (var k = rank - _before[lo]; k > 0; k--) word &= word - 1;
        return ((long)lo << 6) + BitOperations.TrailingZeroCount(word);
    }
}
