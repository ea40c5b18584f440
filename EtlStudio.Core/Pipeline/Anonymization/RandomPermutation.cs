using System.Numerics;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A random permutation of the positions 0 … n−1, from a <see cref="KeyedRandom"/> and a tweak (so one key gives many
/// independent permutations). Up to <see cref="InMemoryLimit"/> positions it is a Fisher–Yates shuffle held as an
/// array (4 bytes a position); above, a format-preserving cipher: a 10-round Feistel network over the smallest power
/// of two that holds n, AES as its round function (the structure of NIST SP 800-38G FF1, whose domain must hold at
/// least a million values, as it does above the limit), walking cycles until the image falls below n (Black &amp;
/// Rogaway), so memory stays constant however many positions there are. The array is the cheaper by far: one random
/// word a position where the cipher takes an AES call a round, ten rounds or more.
/// </summary>
internal abstract class RandomPermutation
{
    /// <summary>The most positions shuffled as an array: 2²³, 32 MB.</summary>
    public const long InMemoryLimit = 1 << 23;

    public abstract long Count { get; }

    /// <summary>True for the cipher: each call costs an AES call a round, so positions are best mapped many at a time.</summary>
    public abstract bool Enciphered { get; }

    /// <summary>Replaces every position in <paramref name="positions"/> (each in 0 … n−1) by its image.</summary>
    public abstract void Map(Span<long> positions);

    public static RandomPermutation Of(long n, KeyedRandom random, ulong tweak, long inMemoryLimit = InMemoryLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return n <= inMemoryLimit ? new Shuffled(n, random, tweak) : new Feistel(n, random, tweak);
    }

    private sealed class Shuffled : RandomPermutation
    {
        private readonly int[] _image;

        public Shuffled(long n, KeyedRandom random, ulong tweak)
        {
            _image = new int[n];
            for (var i = 0; i < _image.Length; i++) _image[i] = i;
            // Fisher–Yates from the top, each j uniform in 0 … i (Lemire's multiply-and-reject, no modulo bias); the
            // random words come in batches from a counter.
            var words = new ulong[Math.Min(4096, Math.Max(1, _image.Length))];
            var counters = new ulong[words.Length];
            ulong counter = 0;
            var next = words.Length;
            ulong Word()
            {
                if (next == words.Length)
                {
                    for (var k = 0; k < counters.Length; k++) counters[k] = counter++;
                    random.Next(counters, 0xFF, tweak, words);
                    next = 0;
                }
                return words[next++];
            }
            for (var i = _image.Length - 1; i > 0; i--)
            {
                var bound = (ulong)i + 1;
                var threshold = (0 - bound) % bound;
                ulong high, low;
                do high = Math.BigMul(Word(), bound, out low); while (low < threshold);
                (_image[i], _image[(int)high]) = (_image[(int)high], _image[i]);
            }
        }

        public override long Count => _image.Length;

        public override bool Enciphered => false;

        public override void Map(Span<long> positions)
        {
            for (var i = 0; i < positions.Length; i++) positions[i] = _image[positions[i]];
        }
    }

    private sealed class Feistel : RandomPermutation
    {
        private const int Rounds = 10;
        private readonly long _n;
        private readonly KeyedRandom _random;
        private readonly ulong _tweak;
        private readonly int _u, _v;

        public Feistel(long n, KeyedRandom random, ulong tweak)
        {
            (_n, _random, _tweak) = (n, random, tweak);
            var bits = Math.Max(2, 64 - BitOperations.LeadingZeroCount((ulong)(n - 1)));
            (_u, _v) = (bits / 2, bits - bits / 2);
        }

        public override long Count => _n;

        public override bool Enciphered => true;

        public override void Map(Span<long> positions)
        {
            var a = new ulong[positions.Length];
            var b = new ulong[positions.Length];
            var y = new ulong[positions.Length];
            var pending = Enumerable.Range(0, positions.Length).ToArray();
            var x = new ulong[positions.Length];
            for (var i = 0; i < positions.Length; i++) x[i] = (ulong)positions[i];
            var count = pending.Length;
            while (count > 0)
            {
                for (var k = 0; k < count; k++) (a[k], b[k]) = (x[pending[k]] >> _v, x[pending[k]] & ((1UL << _v) - 1));
                for (var round = 0; round < Rounds; round++)
                {
                    var m = round % 2 == 0 ? _u : _v;
                    _random.Next(b.AsSpan(0, count), (byte)(round + 1), _tweak, y);
                    for (var k = 0; k < count; k++) (a[k], b[k]) = (b[k], (a[k] + y[k]) & ((1UL << m) - 1));
                }
                // Cycle walking: an image outside 0 … n−1 is enciphered again until it lands inside.
                var left = 0;
                for (var k = 0; k < count; k++)
                {
                    var image = (a[k] << _v) | b[k];
                    x[pending[k]] = image;
                    if (image >= (ulong)_n) pending[left++] = pending[k];
                }
                count = left;
            }
            for (var i = 0; i < positions.Length; i++) positions[i] = (long)x[i];
        }
    }
}
