using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth.Tokens;

namespace EtlStudio.Web.Grpc;

/// <summary>Turns the call's bearer token into the Core actor: its subject, never a request field.</summary>
internal sealed class GrpcAuthenticator(BearerTokenValidator validator, UserService users)
{
    public async Task<Actor> AuthenticateAsync(HttpContext http, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            throw DomainException.Unauthenticated("A bearer token is required (Authorization: Bearer <token>).");
        var identity = await validator.ValidateAsync(header[7..].Trim(), ct)
                       ?? throw DomainException.Unauthenticated("The bearer token is invalid or expired.");
        var correlation = http.Request.Headers["x-correlation-id"].ToString();
        return await users.ResolveActorAsync(identity.Issuer, identity.Subject, ActorSource.Grpc,
                   http.Connection.RemoteIpAddress?.ToString(), string.IsNullOrEmpty(correlation) ? http.TraceIdentifier : correlation, ct)
               ?? throw DomainException.Unauthenticated("The token's user is unknown or inactive.");
    }
}
