using System.Security.Claims;
using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary>
/// Where the framework's OpenID Connect handler hands over to EtlStudio: it has checked the code, state,
/// nonce, PKCE and the id_token; we turn the provider account into an EtlStudio user and principal,
/// and send every failed sign-in back to the sign-in page with a message instead of a 500.
/// </summary>
internal sealed class OidcSignInEvents(UserService users, ILogger<OidcSignInEvents> logger) : OpenIdConnectEvents
{
    public const string FailedPath = "/signin?error=sso";
    private const string IssuerItem = "etl:oidc:issuer";

    public override Task TokenValidated(TokenValidatedContext context)
    {
        // Only the id_token is kept (for the id_token_hint at sign-out), not the access token: nothing here calls APIs with it.
        if (context.TokenEndpointResponse?.IdToken is { Length: > 0 } idToken)
            context.Properties!.StoreTokens([new AuthenticationToken { Name = "id_token", Value = idToken }]);
        // The issuer the handler validated; the "iss" claim itself is dropped by the handler's default claim actions.
        context.HttpContext.Items[IssuerItem] = context.SecurityToken.Issuer;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Provisioning happens here rather than in TokenValidated because the handler asks the userinfo
    /// endpoint after TokenValidated: only now does the principal hold the e-mail, name and username
    /// that many providers (oidc-provider, Entra ID) send nowhere else.
    /// </summary>
    public override async Task TicketReceived(TicketReceivedContext context)
    {
        var external = context.Principal!;
        var issuer = context.HttpContext.Items[IssuerItem] as string;
        var subject = external.FindFirstValue("sub");
        if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(subject))
        {
            Refuse(context, "the id_token named no issuer or subject");
            return;
        }
        var account = new ExternalAccount(issuer, subject, external.FindFirstValue("preferred_username"), external.FindFirstValue("email"),
            // A boolean in the id_token ("true"), a JSON value in userinfo ("True"): either spelling means verified.
            string.Equals(external.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase), external.FindFirstValue("name"));
        var user = await users.SignInExternalAsync(account, ActorSource.Ui, context.HttpContext.RequestAborted);
        if (!user.IsActive)
        {
            OidcLog.InactiveUser(logger, user.Id);
            context.Response.Redirect(FailedPath);
            context.HandleResponse();
            return;
        }
        // The cookie carries EtlStudio's principal (id, login, name); roles stay EtlStudio's and are read per request.
        context.Principal = EtlClaims.Create(user.Id, user.Login, user.DisplayName, CookieAuthenticationDefaults.AuthenticationScheme);
        OidcLog.SignedIn(logger, user.Id);
    }

    /// <summary>A forged code, a replayed or missing state, a token that fails a check, the provider's own error: all end here.</summary>
    public override Task RemoteFailure(RemoteFailureContext context)
    {
        OidcLog.Refused(logger, Describe(context.Failure));
        context.Response.Redirect(FailedPath);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    private void Refuse(TicketReceivedContext context, string reason)
    {
        OidcLog.Refused(logger, reason);
        context.Response.Redirect(FailedPath);
        context.HandleResponse();
    }

    /// <summary>
    /// The failure's type and message, cut short and without control characters: a provider error's
    /// description comes from the request, and IdentityModel already hides token contents (PII) in its messages.
    /// </summary>
    private static string Describe(Exception? failure)
    {
        if (failure is null) return "unknown failure";
        var message = new string(failure.Message.Select(c => char.IsControl(c) ? ' ' : c).Take(300).ToArray());
        return $"{failure.GetType().Name}: {message}";
    }
}
