using System.Security.Claims;
using System.Security.Cryptography;
using EtlStudio.Web.Auth.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// The bearer tokens JwtBearer found valid are trusted again without a new check for at most a minute and never past
/// their expiry; nothing that failed is remembered, and a changed token is a different token.
/// </summary>
public sealed class RememberingTokenHandlerTests
{
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private readonly SymmetricSecurityKey _key = NewKey();

    private static SymmetricSecurityKey NewKey() => new(RandomNumberGenerator.GetBytes(32));

    private string Token(SymmetricSecurityKey key, TimeSpan lifetime)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "issuer", Audience = "etlstudio", Subject = new ClaimsIdentity([new Claim("sub", "someone")]),
            IssuedAt = now, NotBefore = now, Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    private TokenValidationParameters CheckedBy(SymmetricSecurityKey key) => new()
    {
        ValidIssuer = "issuer", ValidAudience = "etlstudio", IssuerSigningKey = key,
        // The library's own lifetime check reads the system clock; this one reads the test's.
        LifetimeValidator = (notBefore, expires, _, _) => notBefore <= _time.GetUtcNow().UtcDateTime && _time.GetUtcNow().UtcDateTime < expires,
    };

    [Fact]
    public async Task A_valid_token_is_trusted_again_until_a_minute_has_passed_then_checked_anew()
    {
        var handler = new RememberingTokenHandler(_time);
        var token = Token(_key, TimeSpan.FromHours(1));
        Assert.True((await handler.ValidateTokenAsync(token, CheckedBy(_key))).IsValid);

        // The key is withdrawn: within the minute the token is still trusted (that is the staleness the cache allows) …
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True((await handler.ValidateTokenAsync(token, CheckedBy(NewKey()))).IsValid);
        // … after it, the token is checked again and refused.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False((await handler.ValidateTokenAsync(token, CheckedBy(NewKey()))).IsValid);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_from_its_expiry()
    {
        var handler = new RememberingTokenHandler(_time);
        var token = Token(_key, TimeSpan.FromSeconds(10));
        Assert.True((await handler.ValidateTokenAsync(token, CheckedBy(_key))).IsValid);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True((await handler.ValidateTokenAsync(token, CheckedBy(_key))).IsValid);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False((await handler.ValidateTokenAsync(token, CheckedBy(_key))).IsValid);
    }

    [Fact]
    public async Task A_tampered_copy_of_a_remembered_token_is_checked_and_refused()
    {
        var handler = new RememberingTokenHandler(_time);
        var token = Token(_key, TimeSpan.FromHours(1));
        Assert.True((await handler.ValidateTokenAsync(token, CheckedBy(_key))).IsValid);
        var parts = token.Split('.');
        var signature = parts[2].ToCharArray();
        signature[0] = signature[0] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{parts[1]}.{new string(signature)}";
        Assert.False((await handler.ValidateTokenAsync(tampered, CheckedBy(_key))).IsValid);
    }

    [Fact]
    public async Task A_refused_token_is_not_remembered()
    {
        var handler = new RememberingTokenHandler(_time);
        var token = Token(_key, TimeSpan.FromHours(1));
        Assert.False((await handler.ValidateTokenAsync(token, CheckedBy(NewKey()))).IsValid);
        Assert.False((await handler.ValidateTokenAsync(token, CheckedBy(NewKey()))).IsValid);
        Assert.True((await handler.ValidateTokenAsync(token, CheckedBy(_key))).IsValid);
    }
}
