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
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary>
/// Single sign-on with OpenID Connect: authorization code with PKCE (S256), state and nonce; the
/// id_token's signature, issuer, audience, lifetime and nonce are checked before anyone is signed
/// in. Roles come from EtlStudio's own assignments, never from the token.
/// </summary>
internal static partial class OidcEndpoints
{
    private const string StateCookie = "etlstudio.oidc";
    private const string IdTokenKey = ".id_token";

    public static void MapOidcSignIn(this WebApplication app)
    {
        app.MapGet("/auth/sign-in", SignInAsync).AllowAnonymous();
        app.MapGet("/auth/callback", CallbackAsync).AllowAnonymous();
        app.MapPost("/auth/sign-out", SignOutAsync);
    }

    private static async Task<IResult> SignInAsync(string? returnUrl, HttpContext http, OidcDiscovery discovery, IOptions<OidcTokenOptions> options, IDataProtectionProvider protection)
    {
        var o = options.Value;
        var configuration = await discovery.GetAsync(http.RequestAborted);
        var state = new OidcSignInState(Random(), Random(), Random(), DevelopmentSignInEndpoints.IsLocal(returnUrl) ? returnUrl! : "/", DateTimeOffset.UtcNow);
        http.Response.Cookies.Append(StateCookie, Protector(protection).Protect(JsonSerializer.Serialize(state)), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromMinutes(10), Path = "/auth",
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
        var logger = loggers.CreateLogger("EtlStudio.Web.Auth.Oidc");
        var query = http.Request.Query;
        var cookie = http.Request.Cookies[StateCookie];
        http.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = "/auth" });
        if (query.ContainsKey("error"))
        {
            LogProviderError(logger, query["error"].ToString());
            return Results.Redirect("/signin?error=sso");
        }
        OidcSignInState? state = null;
        try
        {
            if (cookie is not null) state = JsonSerializer.Deserialize<OidcSignInState>(Protector(protection).Unprotect(cookie));
        }
        catch (CryptographicException) { }
        if (state is null || state.State != query["state"].ToString() || DateTimeOffset.UtcNow - state.CreatedAt > TimeSpan.FromMinutes(10))
        {
            LogRejected(logger, "state missing, expired or not matching");
            return Results.Redirect("/signin?error=sso");
        }

        var o = options.Value;
        var configuration = await discovery.GetAsync(http.RequestAborted);
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
            LogRejected(logger, $"token endpoint answered {(int)response.StatusCode}");
            return Results.Redirect("/signin?error=sso");
        }
        var tokens = await response.Content.ReadFromJsonAsync<TokenResponse>(http.RequestAborted);
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(tokens?.IdToken, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = o.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            ClockSkew = TimeSpan.FromSeconds(o.ClockSkewSeconds),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
        });
        if (!validation.IsValid || ClaimOf(validation.Claims, "nonce") != state.Nonce)
        {
            LogRejected(logger, validation.IsValid ? "nonce does not match" : "id_token invalid");
            return Results.Redirect("/signin?error=sso");
        }

        string? Claim(string name) => ClaimOf(validation.Claims, name);
        var user = await users.ProvisionExternalAsync(configuration.Issuer, Claim("sub")!, Claim("preferred_username") ?? Claim("email")?.Split('@')[0],
            Claim("name"), Claim("email"), ActorSource.Ui, http.RequestAborted);
        if (!user.IsActive) return Results.Redirect("/signin?error=sso");
        var properties = new AuthenticationProperties();
        properties.Items[IdTokenKey] = tokens!.IdToken;
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            EtlClaims.Create(user.Id, user.Login, user.DisplayName, CookieAuthenticationDefaults.AuthenticationScheme), properties);
        return Results.LocalRedirect(state.ReturnUrl);
    }

    /// <summary>Ends the session here and at the provider, then comes back to the sign-in page.</summary>
    private static async Task<IResult> SignOutAsync(HttpContext http, OidcDiscovery discovery)
    {
        var result = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        string? idToken = null;
        result.Properties?.Items.TryGetValue(IdTokenKey, out idToken);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        var configuration = await discovery.GetAsync(http.RequestAborted);
        if (string.IsNullOrEmpty(configuration.EndSessionEndpoint)) return Results.Redirect("/signin");
        return Results.Redirect(QueryHelpers.AddQueryString(configuration.EndSessionEndpoint, new Dictionary<string, string?>
        {
            ["id_token_hint"] = idToken,
            ["post_logout_redirect_uri"] = $"{http.Request.Scheme}://{http.Request.Host}/signin",
        }));
    }

    private static string? ClaimOf(IDictionary<string, object> claims, string name) => claims.TryGetValue(name, out var v) ? v as string : null;

    private static string CallbackUri(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/auth/callback";

    private static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static IDataProtector Protector(IDataProtectionProvider p) => p.CreateProtector("EtlStudio.Oidc.SignInState.v1");

    private sealed record TokenResponse([property: JsonPropertyName("id_token")] string? IdToken);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Single sign-on refused: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "The provider ended sign-in with error {Error}")]
    private static partial void LogProviderError(ILogger logger, string error);
}
