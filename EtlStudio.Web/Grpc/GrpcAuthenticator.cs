using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth.Tokens;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// Turns the call's bearer token into the Core actor: its subject, never a request field. A token
/// seen before is answered from <see cref="ValidatedTokenCache"/>; whether its user is still
/// active is asked on every call.
/// </summary>
internal sealed class GrpcAuthenticator(BearerTokenValidator validator, ValidatedTokenCache tokens, UserService users)
{
    private const string Scheme = "Bearer ";

    public async Task<Actor> AuthenticateAsync(HttpContext http, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length <= Scheme.Length)
            throw DomainException.Unauthenticated("A bearer token is required (Authorization: Bearer <token>).");
        var token = header.AsSpan(Scheme.Length).Trim();

        var known = tokens.Find(token);
        if (known is null)
        {
            var identity = await validator.ValidateAsync(token.ToString(), ct)
                           ?? throw DomainException.Unauthenticated("The bearer token is invalid or expired.");
            var resolved = await users.ResolveActorAsync(identity.Issuer, identity.Subject, ActorSource.Grpc, null, null, ct)
                           ?? throw Inactive();
            known = new ValidatedToken(resolved.UserId, resolved.Login, identity.NotAfter);
            tokens.Add(header.AsSpan(Scheme.Length).Trim(), known);
        }
        else if (!await users.IsActiveAsync(known.UserId, ct))
        {
            throw Inactive();
        }

        var correlation = http.Request.Headers["x-correlation-id"].ToString();
        return new Actor(known.UserId, known.Login, ActorSource.Grpc, http.Connection.RemoteIpAddress?.ToString(),
            string.IsNullOrEmpty(correlation) ? http.TraceIdentifier : correlation);
    }

    private static DomainException Inactive() => DomainException.Unauthenticated("The token's user is unknown or inactive.");
}
