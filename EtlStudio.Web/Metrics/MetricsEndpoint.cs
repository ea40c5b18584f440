using EtlStudio.Web.Grpc;
using Prometheus;

namespace EtlStudio.Web.Metrics;

/// <summary>
/// <c>/metrics</c> on the HTTP port of every node, worker-only ones included. Anonymous like the health probes:
/// it carries counts only, and a scraper has no user. Keep the port off the public internet.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static IServiceCollection AddEtlStudioMetrics(this IServiceCollection services)
    {
        services.AddSingleton<GrpcCallMetrics>();
        services.AddSingleton<IGrpcCallObserver>(sp => sp.GetRequiredService<GrpcCallMetrics>());
        services.AddSingleton<EtlStudioMetrics>();
        return services;
    }

    public static void MapEtlStudioMetrics(this WebApplication app) =>
        app.MapMetrics(Path, app.Services.GetRequiredService<EtlStudioMetrics>().Registry).AllowAnonymous();
}
