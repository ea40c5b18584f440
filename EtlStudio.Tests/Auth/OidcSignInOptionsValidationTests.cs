using EtlStudio.Web.Auth;
using EtlStudio.Web.Auth.Oidc;
using Microsoft.Extensions.Options;

namespace EtlStudio.Tests.Auth;

/// <summary>Start-up refuses an incomplete single sign-on configuration and names what is missing.</summary>
public sealed class OidcSignInOptionsValidationTests
{
    private static ValidateOptionsResult Validate(AuthMode mode, OidcSignInOptions options) =>
        new OidcSignInOptionsValidation(Options.Create(new AuthOptions { Mode = mode })).Validate(null, options);

    private static OidcSignInOptions Complete() => new() { Authority = "https://login.example.org", ClientId = "etlstudio", ClientSecret = "s3cret" };

    [Fact]
    public void A_complete_configuration_passes() => Assert.True(Validate(AuthMode.Oidc, Complete()).Succeeded);

    [Fact]
    public void Development_mode_needs_no_provider() => Assert.True(Validate(AuthMode.Development, new OidcSignInOptions()).Succeeded);

    [Theory]
    [InlineData("Authority")]
    [InlineData("ClientId")]
    [InlineData("ClientSecret")]
    public void Each_missing_setting_is_named_with_its_environment_spelling(string key)
    {
        var options = Complete();
        typeof(OidcSignInOptions).GetProperty(key)!.SetValue(options, " ");
        var result = Validate(AuthMode.Oidc, options);
        Assert.True(result.Failed);
        var message = Assert.Single(result.Failures!);
        Assert.Contains($"Auth:Oidc:{key}", message);
        Assert.Contains($"Auth__Oidc__{key}", message);
    }

    [Theory]
    [InlineData("http://login.example.org")]
    [InlineData("login.example.org")]
    public void A_plain_http_or_relative_authority_elsewhere_than_this_machine_is_refused(string authority)
    {
        var options = Complete();
        options.Authority = authority;
        Assert.Contains("https", Assert.Single(Validate(AuthMode.Oidc, options).Failures!));
    }

    [Theory]
    [InlineData("http://127.0.0.1:4000")]
    [InlineData("http://localhost:4000/")]
    public void Plain_http_is_allowed_for_a_provider_on_this_machine(string authority)
    {
        var options = Complete();
        options.Authority = authority;
        Assert.True(Validate(AuthMode.Oidc, options).Succeeded);
    }
}
