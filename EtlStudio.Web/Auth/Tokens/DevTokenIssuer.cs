using System.Security.Claims;
using EtlStudio.Core.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>Issues Development access tokens: JWTs for a seeded user, signed with the shared key.</summary>
internal sealed class DevTokenIssuer(DevTokenKeyStore keys, TimeProvider time, IOptions<TokenOptions> options)
{
    public const string Audience = "etlstudio";

    public async Task<(string Token, int ExpiresIn)> IssueAsync(Guid userId, string login, CancellationToken ct)
    {
        var lifetime = TimeSpan.FromMinutes(options.Value.DevTokenMinutes);
        var now = time.GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = UserService.DevelopmentIssuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", userId.ToString()), new Claim("preferred_username", login)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(await keys.GetAsync(ct)), SecurityAlgorithms.HmacSha256),
        });
        return (token, (int)lifetime.TotalSeconds);
    }
}
