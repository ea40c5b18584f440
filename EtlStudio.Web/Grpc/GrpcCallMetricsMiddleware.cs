using System.Diagnostics;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace EtlStudio.Web.Grpc;

/// <summary>Tells the observers how each call on the gRPC port ended: its method (or "unknown") and the grpc-status it answered.</summary>
internal sealed class GrpcCallMetricsMiddleware(RequestDelegate next, IEnumerable<IGrpcCallObserver> observers)
{
    private readonly IGrpcCallObserver[] _observers = observers.ToArray();

    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        await next(http);
        if (_observers.Length == 0) return;
        var elapsed = Stopwatch.GetElapsedTime(started);
        var method = http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName ?? "unknown";
        var trailers = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var status = trailers is not null && trailers.TryGetValue("grpc-status", out var t) ? t.ToString() : http.Response.Headers["grpc-status"].ToString();
        var code = int.TryParse(status, out var n) ? (StatusCode)n : StatusCode.Unknown;
        foreach (var observer in _observers) observer.OnCallCompleted(method, code, elapsed);
    }
}
