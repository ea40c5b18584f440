using System.Collections.Concurrent;
using EtlStudio.Core.Runs;

namespace EtlStudio.Tests.Pipeline;

/// <summary>A queue that only remembers what was enqueued, so a test executes runs itself, one step at a time.</summary>
public sealed class ManualRunQueue : IRunQueue
{
    public ConcurrentQueue<Guid> Runs { get; } = new();
    public ConcurrentQueue<Guid> Uploads { get; } = new();

    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default) { Runs.Enqueue(runId); return Task.CompletedTask; }
    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default) { Uploads.Enqueue(runId); return Task.CompletedTask; }
}
