using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// What JwtBearer validates Development tokens against: our issuer and the signing key kept encrypted in
/// PostgreSQL (<see cref="DevTokenKeyStore"/>), read asynchronously on first use like a provider's JWKS.
/// </summary>
internal sealed class DevTokenSigningConfiguration(DevTokenKeyStore keys) : IConfigurationManager<OpenIdConnectConfiguration>
{
    private OpenIdConnectConfiguration? _configuration;

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        if (_configuration is { } known) return known;
        var configuration = new OpenIdConnectConfiguration { Issuer = Core.Identity.UserService.DevelopmentIssuer };
        configuration.SigningKeys.Add(new SymmetricSecurityKey(await keys.GetAsync(cancel)));
        return _configuration = configuration;
    }

    // The key never rotates while the cluster runs: nothing to refresh.
    public void RequestRefresh() { }
}
