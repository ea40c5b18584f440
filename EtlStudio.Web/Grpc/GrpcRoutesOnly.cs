namespace EtlStudio.Web.Grpc;

/// <summary>
/// The gRPC port serves gRPC and nothing else: a path that is no gRPC method there (a page, sign-in or dashboard route
/// among them) answers 404, or UNIMPLEMENTED to a gRPC client, so the studio is reached only through its own port.
/// </summary>
internal static class GrpcRoutesOnly
{
    /// <summary>The end of the gRPC port's pipeline (<see cref="GrpcRegistration.UseEtlStudioGrpcPort"/>), for a path that matched no gRPC route.</summary>
    public static Task NoSuchMethodAsync(HttpContext http)
    {
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
