using EtlStudio.Web.Auth.Oidc;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Auth;

/// <summary>Cookie sessions for the studio; the sign-in itself is Development (seeded users) or OpenID Connect.</summary>
public static class AuthRegistration
{
    public static WebApplicationBuilder AddEtlStudioAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        builder.Services.AddOptions<Tokens.OidcTokenOptions>().Bind(builder.Configuration.GetSection(Tokens.OidcTokenOptions.Section)).ValidateOnStart();
        var auth = builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/signin";
                o.LogoutPath = "/auth/sign-out";
                o.Cookie.Name = "etlstudio";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                // Secure whenever the request is HTTPS, including behind a proxy once forwarded headers are honoured (ForwardedHeaders:Enabled).
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(10);
                o.SlidingExpiration = true;
            });
        if (builder.Configuration.GetValue(AuthOptions.Section + ":Mode", AuthMode.Oidc) == AuthMode.Oidc) auth.AddEtlStudioOidcSignIn();
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    public static void MapEtlStudioAuth(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode == AuthMode.Oidc) app.MapEtlStudioOidcSignIn();
        else app.MapDevelopmentSignIn();
        app.MapEtlStudioSignOut();
    }
}
