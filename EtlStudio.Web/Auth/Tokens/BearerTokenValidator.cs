using EtlStudio.Core.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// The one validation path for bearer tokens: Development tokens (our own key; Development mode
/// only) and the OpenID provider's JWT access tokens (its JWKS). Issuer, audience, lifetime and
/// signature are always checked.
/// </summary>
internal sealed class BearerTokenValidator(DevTokenKeyStore devKeys, IOptions<AuthOptions> auth, IOptions<OidcTokenOptions> oidc, OidcDiscovery discovery, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();
    private TimeSpan ClockSkew => TimeSpan.FromSeconds(oidc.Value.ClockSkewSeconds);

    /// <summary>Who the token names, and the last moment it is still accepted (its expiry plus the tolerated clock skew).</summary>
    public sealed record Identity(string Issuer, string Subject, DateTimeOffset NotAfter);

    /// <summary>The token's issuer, subject and end of validity, or null when it is not a valid token for us.</summary>
    public async Task<Identity?> ValidateAsync(string token, CancellationToken ct)
    {
        string issuer;
        try
        {
            issuer = new JsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }

        TokenValidationParameters parameters;
        if (issuer == UserService.DevelopmentIssuer)
        {
            if (auth.Value.Mode != AuthMode.Development) return null;
            parameters = new TokenValidationParameters
            {
                ValidIssuer = UserService.DevelopmentIssuer,
                ValidAudience = DevTokenIssuer.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(await devKeys.GetAsync(ct)),
                ClockSkew = ClockSkew,
            };
        }
        else
        {
            if (!discovery.IsConfigured) return null;
            var configuration = await discovery.GetAsync(ct);
            parameters = new TokenValidationParameters
            {
                ValidIssuer = configuration.Issuer,
                ValidAudience = oidc.Value.Audience,
                IssuerSigningKeys = configuration.SigningKeys,
                ClockSkew = ClockSkew,
            };
        }
        parameters.RequireExpirationTime = true;
        parameters.RequireSignedTokens = true;
        // Lifetime on the injected clock, with the same bounds as the cache of validated tokens, so both agree on expiry.
        parameters.LifetimeValidator = (notBefore, expires, _, p) => IsWithinLifetime(notBefore, expires, p.ClockSkew);
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid) return null;
        var subject = result.ClaimsIdentity.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(subject)) return null;
        var expires = new DateTimeOffset(DateTime.SpecifyKind(result.SecurityToken.ValidTo, DateTimeKind.Utc));
        return new Identity(issuer, subject, expires + ClockSkew);
    }

    /// <summary>A token without an expiry is refused; one is accepted from nbf − skew up to, not including, exp + skew.</summary>
    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew)
    {
        if (expires is not { } exp) return false;
        var now = time.GetUtcNow().UtcDateTime;
        return (notBefore is not { } nbf || nbf - skew <= now) && now < exp + skew;
    }
}
