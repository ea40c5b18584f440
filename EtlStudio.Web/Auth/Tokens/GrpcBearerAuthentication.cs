using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// The caller of a gRPC method, from JwtBearer: the OpenID provider's access tokens (its discovery
/// document and JWKS) and, in Development, our own dev tokens. Issuer, audience <c>etlstudio</c>,
/// lifetime and signature are checked by the library; the token's subject is then resolved to a user. The policy's
/// scheme (<see cref="GrpcCallerHandler"/>) remembers the caller of a valid token, so a token is checked once.
/// </summary>
public static class GrpcBearerAuthentication
{
    /// <summary>The policy every gRPC service requires (<c>[Authorize(Policy = …)]</c>).</summary>
    public const string Policy = "grpc";

    internal const string UnknownUser = "The token's user is unknown or inactive.";

    private const string Scheme = "GrpcBearer";
    private const string ProviderScheme = "GrpcBearer.Provider";
    private const string DevelopmentScheme = "GrpcBearer.Development";

    public static WebApplicationBuilder AddEtlStudioGrpcBearer(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var development = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Mode == AuthMode.Development;
        var oidc = configuration.GetSection(OidcTokenOptions.Section).Get<OidcTokenOptions>() ?? new OidcTokenOptions();
        var provider = !string.IsNullOrWhiteSpace(oidc.Authority);

        builder.Services.AddOptions<TokenOptions>().Bind(configuration.GetSection(TokenOptions.Section));
        builder.Services.AddSingleton<DevTokenKeyStore>();
        builder.Services.AddSingleton<DevTokenIssuer>();
        builder.Services.AddSingleton<GrpcCallers>();
        var authentication = builder.Services.AddAuthentication();
        // One scheme for the policy, which remembers callers and hands a new token to the JwtBearer scheme of its issuer:
        // a token is validated once, by the keys it claims. Oidc mode without an authority fails at start
        // (OidcTokenOptions are validated), so one of the two is always there.
        authentication.AddScheme<GrpcCallerOptions, GrpcCallerHandler>(Scheme, "gRPC caller", o => o.CheckedBy = development && provider
            ? token => IssuerOf(token) == UserService.DevelopmentIssuer ? DevelopmentScheme : ProviderScheme
            : _ => development ? DevelopmentScheme : ProviderScheme);
        if (provider)
            authentication.AddJwtBearer(ProviderScheme, o =>
            {
                o.Authority = oidc.Authority!.TrimEnd('/');
                o.Audience = oidc.Audience;
                // Plain http only for a provider on this machine (tests, local development).
                o.RequireHttpsMetadata = !(Uri.TryCreate(o.Authority, UriKind.Absolute, out var uri) && uri.IsLoopback);
                Common(o, oidc);
            });
        if (development)
        {
            authentication.AddJwtBearer(DevelopmentScheme, o =>
            {
                o.Audience = DevTokenIssuer.Audience;
                Common(o, oidc);
            });
            builder.Services.AddOptions<JwtBearerOptions>(DevelopmentScheme)
                .Configure<DevTokenKeyStore>((o, keys) => o.ConfigurationManager = new DevTokenSigningConfiguration(keys));
        }
        foreach (var scheme in new[] { ProviderScheme, DevelopmentScheme })
            builder.Services.AddOptions<JwtBearerOptions>(scheme).Configure<TimeProvider>((o, time) => o.TimeProvider = time);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return builder;
    }

    private static void Common(JwtBearerOptions o, OidcTokenOptions oidc)
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(oidc.ClockSkewSeconds);
        o.TokenValidationParameters.RequireExpirationTime = true;
        o.TokenValidationParameters.RequireSignedTokens = true;
        // Challenges never reach these schemes: the policy names GrpcCallerHandler's, which answers as gRPC clients read it.
        o.Events = new JwtBearerEvents { OnTokenValidated = ResolveUserAsync };
    }

    /// <summary>The token's subject becomes the Core user; an unknown or inactive user is refused.</summary>
    private static async Task ResolveUserAsync(TokenValidatedContext context)
    {
        var issuer = context.SecurityToken.Issuer;
        var subject = context.Principal?.FindFirst("sub")?.Value;
        var users = context.HttpContext.RequestServices.GetRequiredService<UserService>();
        var ct = context.HttpContext.RequestAborted;
        Actor? actor;
        // A dev token names its user by id and login: the permission cache answers whether that user may still act.
        if (issuer == UserService.DevelopmentIssuer && Guid.TryParse(subject, out var id) && id != Actor.SystemUserId
            && context.Principal?.FindFirst("preferred_username")?.Value is { Length: > 0 } login)
            actor = await users.IsActiveAsync(id, ct) ? new Actor(id, login, ActorSource.Grpc) : null;
        else
            actor = string.IsNullOrEmpty(subject) ? null : await users.ResolveActorAsync(issuer, subject, ActorSource.Grpc, null, null, ct);
        if (actor is null)
        {
            context.Fail(UnknownUser);
            return;
        }
        context.Principal = EtlClaims.Create(actor.UserId, actor.Login, actor.Login, context.Scheme.Name);
        // The caller is remembered (GrpcCallers) no longer than its token is valid.
        if (context.SecurityToken.ValidTo != DateTime.MinValue)
            context.Properties.ExpiresUtc = new DateTimeOffset(DateTime.SpecifyKind(context.SecurityToken.ValidTo, DateTimeKind.Utc));
    }

    /// <summary>The issuer a bearer token claims, unverified: only used to pick the scheme that verifies it.</summary>
    private static string? IssuerOf(string token)
    {
        try
        {
            return new JsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
