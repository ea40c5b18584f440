using System.Buffers.Binary;
using System.Text;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Deterministic randomness computed inside PostgreSQL: a row's uniform number is SHA-256 of a key (seed and a
/// per-use salt) and its <c>_row</c>, so the same seed gives the same output and, without the seed, the draws cannot
/// be predicted (the seed comes from a CSPRNG unless the task fixes one).
/// </summary>
internal static class RandomSql
{
    /// <summary>The key bytes for one use of randomness: the seed (8 bytes, big-endian) then the salt in UTF-8.</summary>
    public static byte[] Key(long seed, string salt)
    {
        var s = Encoding.UTF8.GetBytes(salt);
        var key = new byte[8 + s.Length];
        BinaryPrimitives.WriteInt64BigEndian(key, seed);
        s.CopyTo(key, 8);
        return key;
    }

    /// <summary>
    /// A uniform double in the open interval (0, 1) from the first 56 bits of the hash; open so that <c>ln</c> never
    /// sees 0. The hex round trip is the cheapest bytea → bigint conversion PostgreSQL 15 has.
    /// </summary>
    public static string Uniform(string keyParameter, string rowExpression) =>
        UniformOfBits(Bits($"sha256({keyParameter} || int8send({rowExpression}))", 0));

    /// <summary>56 bits of a digest from byte <paramref name="offset"/> on, as a non-negative bigint.</summary>
    public static string Bits(string digest, int offset) =>
        $"('x' || encode(substring({digest} from {offset + 1} for 7), 'hex'))::bit(56)::bigint";

    /// <summary>A uniform double in the open interval (0, 1) from 56 random bits.</summary>
    public static string UniformOfBits(string bits) => $"(({bits})::float8 + 0.5) / 72057594037927936.0";
}
