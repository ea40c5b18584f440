using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Authentication;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// The callers of recent gRPC calls by their bearer token: a machine client sends the same token with every call, and
/// taking it through JwtBearer again (signature, claims, the user behind its subject) costs more than the call itself.
/// A caller is served until its token expires and at most <see cref="RememberFor"/> after the token was checked; whether
/// the user may still act is asked on every call all the same (<see cref="GrpcCallerHandler"/>).
/// </summary>
internal sealed class GrpcCallers(TimeProvider time)
{
    /// <summary>How long a checked token is trusted without checking it again: the time a withdrawn signing key may still be honoured.</summary>
    public static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(60);

    /// <summary>A bound on memory whatever the callers send; beyond it the expired go first, then everything.</summary>
    internal const int MaxTokens = 10_000;

    private readonly ConcurrentDictionary<string, Remembered> _callers = new(StringComparer.Ordinal);

    private sealed record Remembered(AuthenticationTicket Caller, Guid UserId, DateTimeOffset Until);

    public int Count => _callers.Count;

    /// <summary>Looks <paramref name="token"/> up where it stands in the Authorization header, without copying it out.</summary>
    public bool TryGet(ReadOnlySpan<char> token, [NotNullWhen(true)] out AuthenticationTicket? caller, out Guid userId)
    {
        if (_callers.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out var known) && known.Until > time.GetUtcNow())
        {
            (caller, userId) = (known.Caller, known.UserId);
            return true;
        }
        (caller, userId) = (null, Guid.Empty);
        return false;
    }

    /// <summary>Remembers the caller JwtBearer made of <paramref name="token"/>; its ticket carries the token's expiry.</summary>
    public void Remember(string token, AuthenticationTicket caller, Guid userId)
    {
        var now = time.GetUtcNow();
        var until = now + RememberFor;
        if (caller.Properties.ExpiresUtc is { } expires && expires < until) until = expires;
        if (_callers.Count >= MaxTokens) Forget(now);
        _callers[token] = new Remembered(caller, userId, until);
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (token, remembered) in _callers)
            if (remembered.Until <= now) _callers.TryRemove(token, out _);
        if (_callers.Count >= MaxTokens) _callers.Clear();
    }
}
