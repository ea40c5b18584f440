using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Auth;

/// <summary>The app in single sign-on mode, with a real OpenID provider started for it.</summary>
public sealed class OidcApp : AppProcess
{
    public OidcTestProvider Provider { get; private set; } = default!;

    protected override IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["Auth__Mode"] = "Oidc",
        ["Auth__Oidc__Authority"] = Provider.Issuer,
        ["Auth__Oidc__ClientId"] = "etlstudio",
        ["Auth__Oidc__ClientSecret"] = "etlstudio-test-secret",
        ["Auth__Oidc__Audience"] = "etlstudio",
        ["Auth__Oidc__ClockSkewSeconds"] = "0",
        ["Auth__FirstAdmin"] = "erin",
    };

    public override async Task InitializeAsync()
    {
        Provider = await OidcTestProvider.StartAsync(BaseUrl);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
    }
}
