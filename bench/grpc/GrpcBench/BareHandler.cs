using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

/// <summary>
/// The baseline: plain Kestrel on HTTP/2 answering each path with the given gRPC response bytes and
/// grpc-status 0 in the trailers. No authentication, no database, no logging.
/// </summary>
internal static class BareHandler
{
    public static WebApplication Build(IReadOnlyDictionary<string, byte[]> samples)
    {
        var bare = WebApplication.CreateSlimBuilder();
        bare.Logging.ClearProviders();
        bare.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = bare.Build();
        foreach (var (path, sample) in samples)
            app.MapPost(path, async (HttpContext http) =>
            {
                await http.Request.Body.CopyToAsync(Stream.Null);
                http.Response.ContentType = "application/grpc";
                await http.Response.Body.WriteAsync(sample);
                http.Response.AppendTrailer("grpc-status", "0");
            });
        return app;
    }
}
