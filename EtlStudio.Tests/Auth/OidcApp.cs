using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Auth;

/// <summary>
/// The app in single sign-on mode, with a real OpenID provider started for it. The provider sends
/// profile and e-mail only from userinfo. erin's verified e-mail and grace's issuer and subject name
/// the first administrators.
/// </summary>
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
        ["Auth__FirstAdmin"] = "erin@example.org",
        ["Auth__FirstAdminIssuer"] = Provider.Issuer,
        ["Auth__FirstAdminSubject"] = OidcTestProvider.SubjectOf("grace"),
        // The handler's own warnings name what failed; the test reads them from the log.
        ["Logging__LogLevel__EtlStudio.Web.Auth"] = "Information",
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
