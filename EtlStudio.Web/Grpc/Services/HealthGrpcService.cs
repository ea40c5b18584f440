using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>grpc.health.v1.Health/Check: SERVING when the database is ready. Anonymous, like the HTTP probes.</summary>
[GrpcService(typeof(HealthReflection), "Health")]
internal sealed class HealthGrpcService(HealthCheckService health, TimeProvider time) : IGrpcService
{
    // Balancers and probes poll this often: one database probe per interval answers them all.
    private static readonly TimeSpan ReportFor = TimeSpan.FromSeconds(1);

    private sealed record Report(HealthCheckResponse.Types.ServingStatus Status, DateTimeOffset Until);

    private Report? _last;

    public void Register(GrpcServiceBinder binder) =>
        binder.Unary<HealthCheckRequest, HealthCheckResponse>("Check", CheckAsync, allowAnonymous: true);

    private async Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, GrpcCallContext call)
    {
        if (request.Service.Length > 0 && !request.Service.StartsWith("etl.", StringComparison.Ordinal) && request.Service != "grpc.health.v1.Health")
            throw new Protocol.GrpcStatusException(Protocol.GrpcStatusCode.NotFound, $"Unknown service '{request.Service}'.");
        var now = time.GetUtcNow();
        if (_last is not { } last || now >= last.Until)
        {
            var report = await health.CheckHealthAsync(c => c.Tags.Contains(Health.HealthEndpoints.ReadyTag), call.CancellationToken);
            _last = last = new Report(report.Status == HealthStatus.Healthy ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing,
                now + ReportFor);
        }
        return new HealthCheckResponse { Status = last.Status };
    }
}
