using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary>Browser single sign-on on the framework's OpenID Connect handler (Auth:Mode=Oidc).</summary>
internal static class OidcSignInRegistration
{
    /// <summary>Where the provider sends the browser back; registered at the provider as the redirect URI.</summary>
    public const string CallbackPath = "/auth/callback";

    /// <summary>Where the provider's end-session page sends the browser back; registered as the post-logout redirect URI.</summary>
    public const string SignedOutCallbackPath = "/auth/signed-out";

    public static AuthenticationBuilder AddEtlStudioOidcSignIn(this AuthenticationBuilder auth)
    {
        var services = auth.Services;
        services.AddOptions<OidcSignInOptions>().BindConfiguration(OidcSignInOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcSignInOptions>, OidcSignInOptionsValidation>();
        services.AddScoped<OidcSignInEvents>();
        auth.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, "Single sign-on", _ => { });
        services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme).Configure<IOptions<OidcSignInOptions>>((o, settings) =>
        {
            var s = settings.Value;
            o.Authority = s.Authority;
            o.ClientId = s.ClientId;
            o.ClientSecret = s.ClientSecret;
            // Plain http only for a provider on this machine (tests, local development); the validation says so at start.
            o.RequireHttpsMetadata = !(Uri.TryCreate(s.Authority, UriKind.Absolute, out var authority) && authority.IsLoopback);
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            o.Scope.Clear();
            o.Scope.Add("openid");
            foreach (var scope in s.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)) o.Scope.Add(scope);
            // Claims keep the names the provider gave them (sub, email, …) instead of the WS-* URIs.
            o.MapInboundClaims = false;
            // Many providers send e-mail, name and username only from userinfo, not in the id_token.
            o.GetClaimsFromUserInfoEndpoint = true;
            o.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
            o.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
            // The id_token alone is kept, by the events; access and refresh tokens would only make the cookie bigger.
            o.SaveTokens = false;
            o.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(s.ClockSkewSeconds);
            o.CallbackPath = CallbackPath;
            o.SignedOutCallbackPath = SignedOutCallbackPath;
            o.SignedOutRedirectUri = "/signin";
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.SignOutScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.EventsType = typeof(OidcSignInEvents);
        });
        return auth;
    }

    public static void MapEtlStudioOidcSignIn(this WebApplication app) => app.MapOidcSignIn();
}
