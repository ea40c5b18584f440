using System.Security.Claims;
using EtlStudio.Core;
using EtlStudio.Core.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// Mints a token exactly like the app's Development tokens — same issuer, audience and real signing
/// key, read from the app's database through Data Protection — but expired an hour ago.
/// </summary>
public static class ExpiredTokenFactory
{
    public static async Task<string> CreateAsync(string appConnectionString, Guid userId)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(TestDatabase.KeySettings()) { ["ConnectionStrings:Default"] = appConnectionString }).Build();
        await using var services = new ServiceCollection().AddLogging().AddEtlStudioCore(configuration).BuildServiceProvider();
        await using var cmd = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT cipher FROM app.app_secrets WHERE name = 'dev-token-signing-key'");
        var key = Convert.FromBase64String(services.GetRequiredService<SecretProtector>().Unprotect((string)(await cmd.ExecuteScalarAsync())!));
        var issued = DateTime.UtcNow.AddHours(-2);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "etlstudio-dev",
            Audience = "etlstudio",
            Subject = new ClaimsIdentity([new Claim("sub", userId.ToString())]),
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }
}
