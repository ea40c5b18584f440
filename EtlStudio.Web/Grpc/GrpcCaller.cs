using EtlStudio.Core.Common;
using EtlStudio.Web.Auth;
using Grpc.Core;

namespace EtlStudio.Web.Grpc;

/// <summary>The Core actor of a call: the bearer token's user (resolved by JwtBearer), never a request field.</summary>
internal static class GrpcCaller
{
    public static Actor Actor(this ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var id = http.User.GetUserId() ?? throw DomainException.Unauthenticated();
        return new Actor(id, http.User.Identity?.Name ?? "?", ActorSource.Grpc, http.Connection.RemoteIpAddress?.ToString(), CorrelationId(http));
    }

    /// <summary>The client's <c>x-correlation-id</c>, else the request's own trace id: what the audit trail and the logs both carry.</summary>
    public static string CorrelationId(HttpContext http)
    {
        var sent = http.Request.Headers["x-correlation-id"].ToString();
        return string.IsNullOrEmpty(sent) ? http.TraceIdentifier : sent;
    }
}
