using System.Text.Encodings.Web;
using EtlStudio.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>Which JwtBearer scheme checks a token this scheme has not seen, from the issuer the token claims.</summary>
internal sealed class GrpcCallerOptions : AuthenticationSchemeOptions
{
    public Func<string, string> CheckedBy { get; set; } = _ => throw new InvalidOperationException("No bearer scheme is configured.");
}

/// <summary>
/// The scheme the gRPC policy names: the caller of a token it has seen is taken from <see cref="GrpcCallers"/> (the
/// user must still be active: the permission cache); any other token goes to the JwtBearer scheme of its issuer, and
/// its caller is remembered when that scheme found it valid. Refuses as gRPC clients read it: trailers-only UNAUTHENTICATED.
/// </summary>
internal sealed class GrpcCallerHandler(IOptionsMonitor<GrpcCallerOptions> options, ILoggerFactory logger, UrlEncoder encoder, GrpcCallers callers, UserService users)
    : AuthenticationHandler<GrpcCallerOptions>(options, logger, encoder)
{
    private const string Bearer = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var presented = header.AsSpan(Bearer.Length).Trim();
        if (presented.IsEmpty) return AuthenticateResult.NoResult();
        if (callers.TryGet(presented, out var caller, out var userId))
            return await users.IsActiveAsync(userId, Context.RequestAborted) ? AuthenticateResult.Success(caller) : AuthenticateResult.Fail(GrpcBearerAuthentication.UnknownUser);
        var token = presented.ToString();
        var result = await Context.AuthenticateAsync(Options.CheckedBy(token));
        if (!result.Succeeded) return result.Failure is { } failure ? AuthenticateResult.Fail(failure) : AuthenticateResult.NoResult();
        // Every caller this scheme lets through is a user of ours, so the policy needs no claim check of its own.
        if (result.Principal.GetUserId() is not { } id) return AuthenticateResult.Fail(GrpcBearerAuthentication.UnknownUser);
        var ticket = new AuthenticationTicket(result.Principal, result.Properties, Scheme.Name);
        callers.Remember(token, ticket, id);
        return AuthenticateResult.Success(ticket);
    }

    /// <summary>A gRPC client reads its status from grpc-status, not from HTTP 401: answer trailers-only UNAUTHENTICATED.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status200OK;
        Response.ContentType = "application/grpc";
        Response.Headers["grpc-status"] = "16";
        Response.Headers["grpc-message"] = Request.Headers.Authorization.Count == 0
            ? "A bearer token is required (Authorization: Bearer <token>)."
            : "The bearer token is invalid or expired.";
        return Task.CompletedTask;
    }
}
