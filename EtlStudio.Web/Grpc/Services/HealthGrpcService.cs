using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>grpc.health.v1.Health/Check: SERVING when the database is ready. Anonymous, like the HTTP probes.</summary>
[GrpcService(typeof(HealthReflection), "Health")]
internal sealed class HealthGrpcService(HealthCheckService health, TimeProvider time) : IGrpcService
{
    // Balancers and probes poll this often: one database probe per interval answers them all,
    // concurrent callers included (they share the probe in flight).
    private static readonly TimeSpan ReportFor = TimeSpan.FromSeconds(1);

    private sealed record Report(Task<HealthCheckResponse.Types.ServingStatus> Status, DateTimeOffset Until);

    private readonly Lock _gate = new();
    private Report? _last;

    public void Register(GrpcServiceBinder binder) =>
        binder.Unary<HealthCheckRequest, HealthCheckResponse>("Check", CheckAsync, allowAnonymous: true);

    private async Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, GrpcCallContext call)
    {
        if (request.Service.Length > 0 && !request.Service.StartsWith("etl.", StringComparison.Ordinal) && request.Service != "grpc.health.v1.Health")
            throw new Protocol.GrpcStatusException(Protocol.GrpcStatusCode.NotFound, $"Unknown service '{request.Service}'.");
        var now = time.GetUtcNow();
        var last = _last;
        if (last is null || now >= last.Until)
            lock (_gate)
            {
                last = _last;
                if (last is null || now >= last.Until) _last = last = new Report(ProbeAsync(), now + ReportFor);
            }
        var status = last.Status.IsCompletedSuccessfully ? last.Status.Result : await last.Status.WaitAsync(call.CancellationToken);
        return new HealthCheckResponse { Status = status };
    }

    /// <summary>Shared by every caller of this interval, so no caller's token cancels it.</summary>
    private async Task<HealthCheckResponse.Types.ServingStatus> ProbeAsync()
    {
        await Task.Yield(); // run the probe outside the lock
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(Health.HealthEndpoints.ReadyTag), CancellationToken.None);
        return report.Status == HealthStatus.Healthy ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
    }
}
