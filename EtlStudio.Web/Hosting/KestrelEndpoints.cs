using EtlStudio.Jobs.Hosting;

namespace EtlStudio.Web.Hosting;

/// <summary>
/// The UI listens on HTTP/1.1 (HTTP_PORT, default 5080); gRPC gets an HTTP/2-only port (GRPC_PORT,
/// default 5081) because a cleartext Http1AndHttp2 endpoint never speaks HTTP/2.
/// </summary>
public static class KestrelEndpoints
{
    public static int HttpPort(IConfiguration c) => c.GetValue("HTTP_PORT", 5080);
    public static int GrpcPort(IConfiguration c) => c.GetValue("GRPC_PORT", 5081);

    public static WebApplicationBuilder AddEtlStudioKestrel(this WebApplicationBuilder builder)
    {
        // Tests host the app in-process and choose their own server; explicit URLs win too.
        if (builder.Configuration.GetValue("Kestrel:UseDefaults", false)) return builder;
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.ListenAnyIP(HttpPort(context.Configuration), o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
            if (NodeRoleOptions.ServesStudio(context.Configuration))
                kestrel.ListenAnyIP(GrpcPort(context.Configuration), o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        });
        return builder;
    }
}
