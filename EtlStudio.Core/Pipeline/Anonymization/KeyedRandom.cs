using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A keyed pseudorandom function for the choices worked out in this process (<see cref="RecordChoices"/>): AES-128,
/// keyed by SHA-256 of the seed and a purpose (<see cref="RandomSql.Key"/>), over blocks of (input, tag, tweak). The same
/// seed and purpose give the same numbers; without the seed they cannot be predicted (the seed comes from a CSPRNG
/// unless the task fixes one). Inputs are taken in batches, one AES call per batch, which is what makes it cheap.
/// </summary>
internal sealed class KeyedRandom : IDisposable
{
    private readonly Aes _aes;
    private byte[] _plain = [];
    private byte[] _cipher = [];

    private KeyedRandom(byte[] key)
    {
        _aes = Aes.Create();
        _aes.Key = key;
    }

    public static KeyedRandom For(long seed, string purpose) => new(SHA256.HashData(RandomSql.Key(seed, purpose))[..16]);

    /// <summary>Into <paramref name="outputs"/>: 64 random bits for each input, F(input, tag, tweak).</summary>
    public void Next(ReadOnlySpan<ulong> inputs, byte tag, ulong tweak, Span<ulong> outputs)
    {
        var bytes = inputs.Length * 16;
        if (_plain.Length < bytes) (_plain, _cipher) = (new byte[bytes], new byte[bytes]);
        var plain = _plain.AsSpan(0, bytes);
        for (var i = 0; i < inputs.Length; i++)
        {
            var block = plain.Slice(i * 16, 16);
            BinaryPrimitives.WriteUInt64LittleEndian(block, inputs[i]);
            // The tweak's low 56 bits and the tag: distinct uses of one key never share a block.
            BinaryPrimitives.WriteUInt64LittleEndian(block[8..], (tweak << 8) | tag);
        }
        _aes.EncryptEcb(plain, _cipher.AsSpan(0, bytes), PaddingMode.None);
        for (var i = 0; i < inputs.Length; i++) outputs[i] = BinaryPrimitives.ReadUInt64LittleEndian(_cipher.AsSpan(i * 16, 8));
    }

    /// <summary>Uniform doubles in the open interval (0, 1), one per input, from 53 random bits each.</summary>
    public void Uniforms(ReadOnlySpan<long> inputs, Span<double> outputs)
    {
        Span<ulong> bits = inputs.Length <= 1024 ? stackalloc ulong[inputs.Length] : new ulong[inputs.Length];
        Next(System.Runtime.InteropServices.MemoryMarshal.Cast<long, ulong>(inputs), 0, 0, bits);
        for (var i = 0; i < inputs.Length; i++) outputs[i] = ((bits[i] >> 11) + 0.5) / 9007199254740992.0;
    }

    public void Dispose() => _aes.Dispose();
}
