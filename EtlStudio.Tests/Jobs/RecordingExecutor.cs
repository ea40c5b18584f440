using System.Collections.Concurrent;
using EtlStudio.Core.Runs;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// A stand-in for the engine and the upload (written by others): counts how often each run was executed and on which
/// node, and can hold executions at a gate. One instance is shared by every node of a test.
/// </summary>
public sealed class RecordingExecutor : IPipelineRunExecutor, IUploadExecutor
{
    private readonly ConcurrentDictionary<Guid, int> _runs = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _finished = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _started = new();

    /// <summary>Executions wait here until it is completed; completed from the start unless a test closes it.</summary>
    public TaskCompletionSource Gate { get; set; } = Completed();

    /// <summary>Which runs wait at <see cref="Gate"/>; all of them unless a test says otherwise.</summary>
    public Func<Guid, bool> Held { get; set; } = _ => true;

    public Func<Guid, Exception?> Fail { get; set; } = _ => null;

    public int Executions(Guid runId) => _runs.GetValueOrDefault(runId);

    public Task Started(Guid runId) => _started.GetOrAdd(runId, _ => New()).Task.WaitAsync(TimeSpan.FromSeconds(60));

    public Task Finished(Guid runId) => _finished.GetOrAdd(runId, _ => New()).Task.WaitAsync(TimeSpan.FromSeconds(60));

    async Task IPipelineRunExecutor.ExecuteAsync(Guid runId, CancellationToken ct) => await RecordAsync(runId, ct);

    async Task IUploadExecutor.ExecuteAsync(Guid runId, CancellationToken ct) => await RecordAsync(runId, ct);

    private async Task RecordAsync(Guid runId, CancellationToken ct)
    {
        _runs.AddOrUpdate(runId, 1, (_, n) => n + 1);
        _started.GetOrAdd(runId, _ => New()).TrySetResult();
        try
        {
            if (Held(runId)) await Gate.Task.WaitAsync(ct);
            if (Fail(runId) is { } failure) throw failure;
        }
        finally
        {
            _finished.GetOrAdd(runId, _ => New()).TrySetResult();
        }
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource Completed()
    {
        var tcs = New();
        tcs.SetResult();
        return tcs;
    }
}
