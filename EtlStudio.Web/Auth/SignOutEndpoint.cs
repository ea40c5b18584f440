using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Auth;

/// <summary>
/// <c>POST /auth/sign-out</c>, in both modes. It takes no form fields, so minimal APIs would not check
/// antiforgery on their own: without this check any site could sign our users out.
/// </summary>
public static class SignOutEndpoint
{
    public static void MapEtlStudioSignOut(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode;
        app.MapPost("/auth/sign-out", async (HttpContext http, IAntiforgery antiforgery, ILoggerFactory loggers) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
                return Results.Problem("The sign-out request carried no valid antiforgery token. Reload the page and sign out again.",
                    statusCode: StatusCodes.Status400BadRequest);
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (mode != AuthMode.Oidc) return Results.Redirect("/signin");
            try
            {
                // Then the provider's session: its end-session endpoint with the id_token as hint (read from the cookie this
                // request came with), and back to /signin.
                await http.SignOutAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = "/signin" });
                return Results.Empty;
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException && !http.Response.HasStarted)
            {
                // Our session is over either way; the provider's stays until it expires there.
                Oidc.OidcLog.ProviderUnreachable(loggers.CreateLogger("EtlStudio.Web.Auth.Oidc"), ex.GetType().Name);
                return Results.Redirect("/signin");
            }
        }).DisableAntiforgery(); // checked above, where a refusal can say what happened
    }
}
