using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary><c>GET /auth/sign-in?returnUrl=…</c>: starts single sign-on; the handler does the rest (PKCE, state, nonce, PAR).</summary>
internal static class OidcSignInEndpoint
{
    public static void MapOidcSignIn(this WebApplication app) =>
        app.MapGet("/auth/sign-in", async (string? returnUrl, HttpContext http, ILoggerFactory loggers) =>
        {
            try
            {
                // The return address travels inside the handler's protected state; only a local path may go in.
                await http.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = ReturnUrls.Safe(returnUrl) });
                return Results.Empty;
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException && !http.Response.HasStarted)
            {
                // Discovery or the pushed authorization request failed: the user gets the page's message, the log the reason.
                OidcLog.ProviderUnreachable(loggers.CreateLogger("EtlStudio.Web.Auth.Oidc"), ex.GetType().Name);
                return Results.Redirect(OidcSignInEvents.FailedPath);
            }
        }).AllowAnonymous();
}
