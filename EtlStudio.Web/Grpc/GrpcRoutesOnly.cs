using Grpc.AspNetCore.Server;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// The gRPC port serves gRPC and nothing else: a page, sign-in or dashboard route matched there answers 404 (or
/// UNIMPLEMENTED to a gRPC client), so the studio is reached only through its own port and its front door's headers.
/// </summary>
internal sealed class GrpcRoutesOnly(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null) return next(http);
        http.SetEndpoint(null);
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = "12";
            http.Response.Headers["grpc-message"] = $"No gRPC method at {http.Request.Path}.";
            return Task.CompletedTask;
        }
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
