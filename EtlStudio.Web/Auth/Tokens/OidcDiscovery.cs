using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// The provider's discovery document and signing keys, fetched once and refreshed by the
/// ConfigurationManager; shared by browser sign-in and gRPC bearer validation.
/// </summary>
internal sealed class OidcDiscovery(IOptions<OidcTokenOptions> options)
{
    private readonly Lazy<ConfigurationManager<OpenIdConnectConfiguration>?> _manager = new(() => Create(options.Value));

    public bool IsConfigured => _manager.Value is not null;

    public Task<OpenIdConnectConfiguration> GetAsync(CancellationToken ct) =>
        (_manager.Value ?? throw new InvalidOperationException("Auth:Oidc:Authority is not set.")).GetConfigurationAsync(ct);

    private static ConfigurationManager<OpenIdConnectConfiguration>? Create(OidcTokenOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Authority)) return null;
        var authority = o.Authority.TrimEnd('/');
        // Plain http only for a provider on this machine (tests, local development).
        var isLocal = Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.IsLoopback;
        return new ConfigurationManager<OpenIdConnectConfiguration>($"{authority}/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = !isLocal });
    }
}
