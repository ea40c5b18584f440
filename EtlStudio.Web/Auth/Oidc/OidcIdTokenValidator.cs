using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary>
/// Checks the id_token from the token endpoint before anyone is signed in: signature against the
/// provider's keys, issuer, audience (our client id), lifetime, nonce and subject. Userinfo alone
/// is never trusted; this token is the proof of who signed in.
/// </summary>
internal static class OidcIdTokenValidator
{
    private static readonly JsonWebTokenHandler Handler = new();

    public static async Task<IdTokenValidationResult> ValidateAsync(string? idToken, string issuer, ICollection<SecurityKey> signingKeys,
        string clientId, string expectedNonce, TimeSpan clockSkew)
    {
        if (string.IsNullOrEmpty(idToken)) return IdTokenValidationResult.Refused("the token endpoint returned no id_token");
        var result = await Handler.ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = clientId,
            IssuerSigningKeys = signingKeys,
            ClockSkew = clockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
        });
        // The exception type names the failed check (issuer, audience, lifetime, signature) without quoting the token.
        if (!result.IsValid) return IdTokenValidationResult.Refused($"id_token invalid ({result.Exception?.GetType().Name ?? "unknown"})");

        string? Claim(string name) => result.Claims.TryGetValue(name, out var v) ? v as string : null;
        // The nonce ties the token to the browser that started this sign-in; a replayed token carries another one.
        if (!string.Equals(Claim("nonce"), expectedNonce, StringComparison.Ordinal)) return IdTokenValidationResult.Refused("nonce does not match");
        var token = (JsonWebToken)result.SecurityToken;
        // OpenID Connect Core 3.1.3.7: a token for several audiences must name us as its authorized party.
        if (token.Audiences.Count() > 1 && !string.Equals(Claim("azp"), clientId, StringComparison.Ordinal))
            return IdTokenValidationResult.Refused("id_token has several audiences and another authorized party");
        var subject = Claim("sub");
        if (string.IsNullOrEmpty(subject)) return IdTokenValidationResult.Refused("id_token has no subject");
        return IdTokenValidationResult.Accepted(new ValidatedIdToken(subject, Claim("preferred_username"), Claim("name"), Claim("email")));
    }
}
