using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary>
/// Single sign-on with OpenID Connect: authorization code with PKCE (S256), state and nonce; the
/// id_token's signature, issuer, audience, lifetime and nonce are checked before anyone is signed
/// in. Roles come from EtlStudio's own assignments, never from the token.
/// </summary>
internal static class OidcEndpoints
{
    // One cookie per sign-in attempt, named after its state, so two tabs signing in at once do not overwrite each other.
    private const string StateCookiePrefix = "etlstudio.oidc.";
    private const string IdTokenKey = ".id_token";
    private static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Every failed sign-in lands here; the page shows a friendly message, the log says why.</summary>
    private static IResult Failed => Results.Redirect("/signin?error=sso");

    public static void MapOidcSignIn(this WebApplication app)
    {
        app.MapGet("/auth/sign-in", SignInAsync).AllowAnonymous();
        app.MapGet("/auth/callback", CallbackAsync).AllowAnonymous();
        app.MapPost("/auth/sign-out", SignOutAsync);
    }

    private static async Task<IResult> SignInAsync(string? returnUrl, HttpContext http, OidcDiscovery discovery, IOptions<OidcTokenOptions> options,
        IDataProtectionProvider protection, ILoggerFactory loggers)
    {
        var o = options.Value;
        var configuration = await TryDiscoverAsync(discovery, Logger(loggers), http.RequestAborted);
        if (configuration is null) return Failed;
        var state = new OidcSignInState(Random(), Random(), Random(), DevelopmentSignInEndpoints.IsLocal(returnUrl) ? returnUrl! : "/", DateTimeOffset.UtcNow);
        http.Response.Cookies.Append(StateCookiePrefix + state.State, Protector(protection).Protect(JsonSerializer.Serialize(state)), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = StateLifetime, Path = "/auth",
        });
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(state.CodeVerifier)));
        var url = QueryHelpers.AddQueryString(configuration.AuthorizationEndpoint, new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = o.ClientId,
            ["redirect_uri"] = CallbackUri(http),
            ["scope"] = $"openid {o.Scopes}".Trim(),
            ["state"] = state.State,
            ["nonce"] = state.Nonce,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
        return Results.Redirect(url);
    }

    private static async Task<IResult> CallbackAsync(HttpContext http, OidcDiscovery discovery, IOptions<OidcTokenOptions> options,
        IDataProtectionProvider protection, IHttpClientFactory httpClients, UserService users, ILoggerFactory loggers)
    {
        var logger = Logger(loggers);
        var query = http.Request.Query;
        var stateParameter = query["state"].ToString();
        // Only states we could have issued (base64url of 32 bytes) name a cookie; anything else is refused below.
        var cookieName = stateParameter.Length == 43 && stateParameter.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? StateCookiePrefix + stateParameter : null;
        var cookie = cookieName is null ? null : http.Request.Cookies[cookieName];
        if (cookie is not null) http.Response.Cookies.Delete(cookieName!, new CookieOptions { Path = "/auth" });
        if (query.ContainsKey("error"))
        {
            // The value comes from the query string: keep the log line short whatever it holds.
            var error = query["error"].ToString();
            OidcLog.ProviderError(logger, error.Length > 64 ? error[..64] : error);
            return Failed;
        }
        OidcSignInState? state = null;
        try
        {
            if (cookie is not null) state = JsonSerializer.Deserialize<OidcSignInState>(Protector(protection).Unprotect(cookie));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException) { }
        if (state is null || state.State != stateParameter || DateTimeOffset.UtcNow - state.CreatedAt > StateLifetime)
        {
            OidcLog.Rejected(logger, "state missing, expired or not matching");
            return Failed;
        }
        if (string.IsNullOrEmpty(query["code"].ToString()))
        {
            OidcLog.Rejected(logger, "no authorization code");
            return Failed;
        }

        var o = options.Value;
        var configuration = await TryDiscoverAsync(discovery, logger, http.RequestAborted);
        if (configuration is null) return Failed;
        string? idToken;
        try
        {
            using var response = await httpClients.CreateClient("oidc").PostAsync(configuration.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = query["code"].ToString(),
                ["redirect_uri"] = CallbackUri(http),
                ["client_id"] = o.ClientId ?? "",
                ["client_secret"] = o.ClientSecret ?? "",
                ["code_verifier"] = state.CodeVerifier,
            }), http.RequestAborted);
            if (!response.IsSuccessStatusCode)
            {
                OidcLog.Rejected(logger, $"token endpoint answered {(int)response.StatusCode}");
                return Failed;
            }
            idToken = (await response.Content.ReadFromJsonAsync<TokenResponse>(http.RequestAborted))?.IdToken;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !http.RequestAborted.IsCancellationRequested)
        {
            OidcLog.ProviderUnreachable(logger, ex);
            return Failed;
        }

        var checkedToken = await OidcIdTokenValidator.ValidateAsync(idToken, configuration.Issuer, configuration.SigningKeys, o.ClientId ?? "", state.Nonce,
            TimeSpan.FromSeconds(o.ClockSkewSeconds));
        if (checkedToken.Token is not { } token)
        {
            OidcLog.Rejected(logger, checkedToken.Refusal ?? "id_token refused");
            return Failed;
        }

        var user = await users.ProvisionExternalAsync(configuration.Issuer, token.Subject, token.PreferredUsername ?? token.Email?.Split('@')[0],
            token.Name, token.Email, ActorSource.Ui, http.RequestAborted);
        if (!user.IsActive)
        {
            OidcLog.InactiveUser(logger, user.Id);
            return Failed;
        }
        // Kept only for the id_token_hint at sign-out; the cookie is encrypted by data protection.
        var properties = new AuthenticationProperties();
        properties.Items[IdTokenKey] = idToken;
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            EtlClaims.Create(user.Id, user.Login, user.DisplayName, CookieAuthenticationDefaults.AuthenticationScheme), properties);
        OidcLog.SignedIn(logger, user.Id);
        return Results.LocalRedirect(state.ReturnUrl);
    }

    /// <summary>Ends the session here and at the provider, then comes back to the sign-in page.</summary>
    private static async Task<IResult> SignOutAsync(HttpContext http, OidcDiscovery discovery, ILoggerFactory loggers)
    {
        var result = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        string? idToken = null;
        result.Properties?.Items.TryGetValue(IdTokenKey, out idToken);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        // Our session is over either way; without the provider's end-session endpoint its own session stays.
        var configuration = await TryDiscoverAsync(discovery, Logger(loggers), http.RequestAborted);
        if (string.IsNullOrEmpty(configuration?.EndSessionEndpoint)) return Results.Redirect("/signin");
        return Results.Redirect(QueryHelpers.AddQueryString(configuration.EndSessionEndpoint, new Dictionary<string, string?>
        {
            ["id_token_hint"] = idToken,
            ["post_logout_redirect_uri"] = $"{http.Request.Scheme}://{http.Request.Host}/signin",
        }));
    }

    /// <summary>The discovery document, or null (logged) when the provider cannot be reached: the user gets the friendly error, not a 500.</summary>
    private static async Task<OpenIdConnectConfiguration?> TryDiscoverAsync(OidcDiscovery discovery, ILogger logger, CancellationToken ct)
    {
        try
        {
            return await discovery.GetAsync(ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            OidcLog.ProviderUnreachable(logger, ex);
            return null;
        }
    }

    private static ILogger Logger(ILoggerFactory loggers) => loggers.CreateLogger("EtlStudio.Web.Auth.Oidc");

    private static string CallbackUri(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/auth/callback";

    private static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static IDataProtector Protector(IDataProtectionProvider p) => p.CreateProtector("EtlStudio.Oidc.SignInState.v1");

    private sealed record TokenResponse([property: JsonPropertyName("id_token")] string? IdToken);
}
