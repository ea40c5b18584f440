using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>grpc.health.v1.Health/Check: SERVING when the database is ready. Anonymous, like the HTTP probes.</summary>
[GrpcService(typeof(HealthReflection), "Health")]
internal sealed class HealthGrpcService(HealthCheckService health) : IGrpcService
{
    public void Register(GrpcServiceBinder binder) =>
        binder.Unary<HealthCheckRequest, HealthCheckResponse>("Check", CheckAsync, allowAnonymous: true);

    private async Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, GrpcCallContext call)
    {
        if (request.Service.Length > 0 && !request.Service.StartsWith("etl.", StringComparison.Ordinal) && request.Service != "grpc.health.v1.Health")
            throw new Protocol.GrpcStatusException(Protocol.GrpcStatusCode.NotFound, $"Unknown service '{request.Service}'.");
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(Health.HealthEndpoints.ReadyTag), call.CancellationToken);
        return new HealthCheckResponse
        {
            Status = report.Status == HealthStatus.Healthy ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing,
        };
    }
}
