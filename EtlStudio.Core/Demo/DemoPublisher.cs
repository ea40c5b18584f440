using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Upload;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlStudio.Core.Demo;

/// <summary>
/// Publishes the first version of the S3 demo data module at start: alice runs the S3 demo task and uploads its outbox
/// through the run and upload use cases, over <see cref="DemoRunQueue"/>, so the version is there when the first page is
/// served. A start interrupted halfway picks the run up where it stopped (the executors resume); once uploaded, never again.
/// </summary>
public sealed partial class DemoPublisher(IServiceProvider services, ChangeScope scope, ILogger<DemoPublisher> logger)
{
    public async Task PublishAsync(Guid taskId, CancellationToken ct)
    {
        var alice = new Actor(DemoSeeder.AliceId, "alice", ActorSource.Job, null, "demo-seed");
        var queue = ActivatorUtilities.CreateInstance<DemoRunQueue>(services);
        var uploads = ActivatorUtilities.CreateInstance<UploadService>(services, (IRunQueue)queue);
        var runs = ActivatorUtilities.CreateInstance<PipelineRunService>(services, (IRunQueue)queue, uploads);
        var last = await LastRunAsync(taskId, ct);
        if (last?.State == RunState.Uploaded) return;
        LogPublishing(DemoTaskSeeder.S3TaskName);
        try
        {
            var runId = last?.Id ?? await runs.StartAsync(alice, taskId, ct: ct);
            if (last?.State is RunState.Queued or RunState.Running) await queue.EnqueueRunAsync(runId, ct);
            if ((await LastRunAsync(taskId, ct))?.State is RunState.Prepared or RunState.Uploading) await uploads.RequestAsync(alice, runId, ct);
        }
        // The demo is a first look, not the product: a node whose demo could not publish still starts, and says why.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, DemoTaskSeeder.S3TaskName);
            return;
        }
        if (await LastRunAsync(taskId, ct) is { State: not RunState.Uploaded } run) LogNotPublished(DemoTaskSeeder.S3TaskName, run.State, run.Error ?? "");
    }

    private sealed record LastRun(Guid Id, RunState State, string? Error);

    private Task<LastRun?> LastRunAsync(Guid taskId, CancellationToken ct) =>
        scope.ReadAsync(db => db.Runs.Where(r => r.TaskId == taskId).OrderByDescending(r => r.Number)
            .Select(r => new LastRun(r.Id, r.State, r.Error)).FirstOrDefaultAsync(ct), ct);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Running and uploading {Task} once, for the demo's S3 data module")]
    private partial void LogPublishing(string task);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "The demo's S3 data module was not published: {Task} failed")]
    private partial void LogFailed(Exception e, string task);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "The demo's S3 data module was not published: the run of {Task} is {State} {Error}")]
    private partial void LogNotPublished(string task, RunState state, string error);
}
