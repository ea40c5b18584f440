using System.Collections.Concurrent;
using EtlStudio.Core.Runs;

namespace EtlStudio.Tests.Outbox;

/// <summary>A run queue that records what was queued; tests execute uploads themselves so they control crashes.</summary>
public sealed class RecordingRunQueue : IRunQueue
{
    public ConcurrentQueue<Guid> Uploads { get; } = new();

    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default) => Task.CompletedTask;

    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default)
    {
        Uploads.Enqueue(runId);
        return Task.CompletedTask;
    }
}
