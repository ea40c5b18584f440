using System.Collections.Concurrent;
using EtlStudio.Web.Grpc;
using Grpc.Core;

namespace EtlStudio.Web.Metrics;

/// <summary>Counts finished gRPC calls by method and status, with their total duration; lock-free, never throws.</summary>
public sealed class GrpcCallMetrics : IGrpcCallObserver
{
    private readonly ConcurrentDictionary<(string Method, StatusCode Code), Counter> _calls = new();

    public void OnCallCompleted(string method, StatusCode code, TimeSpan elapsed)
    {
        var counter = _calls.GetOrAdd((method, code), _ => new Counter());
        Interlocked.Increment(ref counter.Count);
        Interlocked.Add(ref counter.Ticks, elapsed.Ticks);
    }

    public IReadOnlyList<(string Method, StatusCode Code, long Count, double Seconds)> Snapshot() =>
        _calls.OrderBy(c => c.Key.Method, StringComparer.Ordinal).ThenBy(c => c.Key.Code)
            .Select(c => (c.Key.Method, c.Key.Code, Interlocked.Read(ref c.Value.Count), TimeSpan.FromTicks(Interlocked.Read(ref c.Value.Ticks)).TotalSeconds))
            .ToList();

    private sealed class Counter
    {
        public long Count;
        public long Ticks;
    }
}
