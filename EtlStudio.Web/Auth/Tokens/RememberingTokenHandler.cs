using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// JwtBearer's token handler, remembering the tokens it found valid: a machine client sends the same bearer token with
/// every call, and checking its signature and claims again each time costs more than the call itself. A remembered
/// token is served until it expires and at most <see cref="RememberFor"/> after it was checked; whether its user may
/// still act is asked on every call all the same (the permission cache, <c>OnTokenValidated</c>).
/// </summary>
internal sealed class RememberingTokenHandler(TimeProvider time) : JsonWebTokenHandler
{
    /// <summary>How long a checked token is trusted without checking it again: the time a withdrawn signing key may still be honoured.</summary>
    public static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(60);

    /// <summary>A bound on memory whatever the callers send; beyond it the expired go first, then everything.</summary>
    private const int MaxTokens = 10_000;

    private readonly ConcurrentDictionary<string, Remembered> _valid = new(StringComparer.Ordinal);

    private sealed record Remembered(TokenValidationResult Result, DateTimeOffset Until);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        // One handler per scheme, so the issuer and audience a token was checked against are always this scheme's.
        if (_valid.TryGetValue(token, out var known) && known.Until > now) return known.Result;
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } checkedToken)
        {
            var until = now + RememberFor;
            var expires = new DateTimeOffset(DateTime.SpecifyKind(checkedToken.ValidTo, DateTimeKind.Utc));
            if (checkedToken.ValidTo != DateTime.MinValue && expires < until) until = expires;
            if (_valid.Count >= MaxTokens) Forget(now);
            _valid[token] = new Remembered(result, until);
        }
        else
        {
            _valid.TryRemove(token, out _);
        }
        return result;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (token, remembered) in _valid)
            if (remembered.Until <= now) _valid.TryRemove(token, out _);
        if (_valid.Count >= MaxTokens) _valid.Clear();
    }
}
