using EtlStudio.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Auth;

/// <summary>
/// Development sign-in: choose a seeded user, no password. The endpoints do not exist unless
/// <c>Auth:Mode</c> is <c>Development</c>.
/// </summary>
public static class DevelopmentSignInEndpoints
{
    public static void MapDevelopmentSignIn(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode != AuthMode.Development) return;

        app.MapPost("/auth/dev-sign-in", async ([FromForm] string user, [FromForm] string? returnUrl, HttpContext http, UserService users) =>
        {
            var candidate = (await users.ListForDevelopmentSignInAsync(http.RequestAborted)).FirstOrDefault(u => u.Login == user);
            if (candidate is null) return Results.Redirect("/signin?error=unknown");
            var principal = EtlClaims.Create(candidate.Id, candidate.Login, candidate.DisplayName, CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
            return Results.LocalRedirect(ReturnUrls.Safe(returnUrl));
        }).AllowAnonymous();

        // Tokens for machine clients in Development: the same seeded users, no password.
        app.MapPost("/auth/dev-token", async ([FromForm] string user, HttpContext http, UserService users, Tokens.DevTokenIssuer issuer) =>
        {
            var candidate = (await users.ListForDevelopmentSignInAsync(http.RequestAborted)).FirstOrDefault(u => u.Login == user);
            if (candidate is null) return Results.Problem($"Unknown user '{user}'.", statusCode: StatusCodes.Status404NotFound);
            var (token, expiresIn) = await issuer.IssueAsync(candidate.Id, candidate.Login, http.RequestAborted);
            return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = expiresIn });
        }).AllowAnonymous().DisableAntiforgery();
    }
}
