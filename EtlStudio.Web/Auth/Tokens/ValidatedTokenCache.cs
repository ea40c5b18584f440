using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// Bearer tokens already validated and resolved to a user, so a client's repeated calls skip the
/// signature check and the user lookup. Keyed by the token's SHA-256 (the token itself is never
/// kept), bounded in count, and an entry is refused once its token's lifetime is over, whatever
/// the cache still holds. Callers still check that the user is active on every call.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider time) : IDisposable
{
    public const int MaxEntries = 10_000;

    // A signing key the provider withdraws stops working within this, even for long-lived tokens.
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private const int StackLimit = 2048;

    // One hasher per thread, reused: a one-shot SHA256.HashData looks the algorithm up in OpenSSL on
    // every call, which measured several microseconds per call here, more than the rest of the lookup.
    [ThreadStatic] private static IncrementalHash? t_sha256;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public ValidatedToken? Find(ReadOnlySpan<char> token)
    {
        if (!_cache.TryGetValue(Key(token), out ValidatedToken? entry) || entry is null) return null;
        // Checked here, not left to the cache's expiry: an expired token is refused at its expiry.
        return time.GetUtcNow() < entry.NotAfter ? entry : null;
    }

    public void Add(ReadOnlySpan<char> token, ValidatedToken entry)
    {
        var remaining = entry.NotAfter - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero) return;
        _cache.Set(Key(token), entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = remaining < MaxAge ? remaining : MaxAge });
    }

    /// <summary>What the cache is keyed by (for tests: hashes, never tokens).</summary>
    internal IEnumerable<object> Keys => _cache.Keys;

    public void Dispose() => _cache.Dispose();

    private static string Key(ReadOnlySpan<char> token)
    {
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        var bytes = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, bytes);
            var sha256 = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha256.AppendData(bytes[..written]);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            sha256.GetHashAndReset(hash);
            return Convert.ToBase64String(hash);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
