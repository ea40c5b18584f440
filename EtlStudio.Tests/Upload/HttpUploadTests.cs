using System.Text.Json;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Outbox;
using Microsoft.EntityFrameworkCore;
using Failure = EtlStudio.Tests.Uploads.LoopbackHttpDestination.Failure;

namespace EtlStudio.Tests.Uploads;

public sealed class HttpUploadTests(OutboxCore core) : IClassFixture<OutboxCore>
{
    [Fact]
    public async Task The_HTTP_destination_receives_every_batch_exactly_once_despite_server_errors_dropped_responses_and_a_crash()
    {
        await using var server = await LoopbackHttpDestination.StartAsync();
        var w = await OutboxWorld.CreateAsync(core, server.BaseUrl + "\nX-Api-Key: k-123", ConnectionKind.HttpJson);
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.HttpJson, [OutboxWorld.People(25)], new UploadDescription(BatchSize: 4));
        // Requests 2 and 6 fail with 500 before applying; 4 is applied but its answer never arrives.
        server.Fault = (n, _) => n switch { 2 or 6 => Failure.ServerError, 4 => Failure.DropAfterApplying, _ => Failure.None };
        await core.Get<UploadService>().RequestAsync(w.Manager, run.RunId);
        core.Faults.CrashOnce(run.RunId, "part", 3);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => core.Get<IUploadExecutor>().ExecuteAsync(run.RunId, default));
        var sentBeforeResume = server.Requests.Count;
        await core.Get<IUploadExecutor>().ExecuteAsync(run.RunId, default);

        var keys = Enumerable.Range(0, 7).Select(b => $"{run.RunId}:people:{b}").ToList();
        Assert.Equal(keys.Order(), server.Applied.Keys.Order());
        var ids = server.Applied.Values.SelectMany(batch => batch.Select(r => r.GetProperty("id").GetInt64())).ToList();
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), ids.Order());
        Assert.All(server.Applied.Values.SelectMany(b => b), r => Assert.False(r.TryGetProperty("_row", out _)));
        Assert.Equal([4, 4, 4, 4, 4, 4, 1], keys.Select(k => server.Applied[k].Length));

        // Retries repeat the same key with the same body; batches recorded before the crash are not sent again.
        var byKey = server.Requests.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(byKey.Values, attempts => Assert.Single(attempts.Select(a => a.Body).Distinct()));
        Assert.Equal([1, 2, 2, 2, 1, 1, 1], keys.Select(k => byKey[k].Count));
        Assert.All(server.Requests.Skip(sentBeforeResume), r => Assert.DoesNotContain(r.Key, keys.Take(4)));
        Assert.All(server.Requests, r => Assert.Equal("/api/people", r.Path));

        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(7, await db.UploadBatches.CountAsync(b => b.RunId == run.RunId));
        Assert.Equal(RunState.Uploaded, (await db.Runs.FirstAsync(r => r.Id == run.RunId)).State);
        var version = await db.DatamoduleVersions.SingleAsync(v => v.ConnectionId == w.Destination);
        Assert.Equal(1, version.Version);
        var connection = await db.Connections.FirstAsync(c => c.Id == w.Destination);
        Assert.Equal(1, connection.Version);
        using var protocol = JsonDocument.Parse(connection.CollectionProtocolJson);
        Assert.Equal(25, protocol.RootElement.GetProperty("tables").GetProperty("people").GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task A_batch_that_keeps_failing_stops_the_upload_with_a_message_and_a_later_request_resumes_it()
    {
        await using var server = await LoopbackHttpDestination.StartAsync();
        var w = await OutboxWorld.CreateAsync(core, server.BaseUrl.ToString(), ConnectionKind.HttpJson);
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.HttpJson, [OutboxWorld.People(6)], new UploadDescription(BatchSize: 2));
        var refuse = true;
        await core.Get<UploadService>().RequestAsync(w.Manager, run.RunId);

        // Every attempt of batch 1 fails: the executor gives up after MaxAttempts and records why.
        server.Fault = (n, _) => refuse && n >= 2 ? Failure.ServerError : Failure.None;
        await Assert.ThrowsAsync<Core.Common.DomainException>(() => core.Get<IUploadExecutor>().ExecuteAsync(run.RunId, default));
        var progress = await core.Get<UploadService>().GetProgressAsync(w.Manager, run.RunId);
        Assert.Equal((RunState.Uploading, 1), (progress.State, progress.BatchesDone));
        Assert.Contains("did not reach the destination", progress.Error);

        refuse = false;
        await core.Get<UploadService>().RequestAsync(w.Manager, run.RunId);
        await core.Get<IUploadExecutor>().ExecuteAsync(run.RunId, default);
        progress = await core.Get<UploadService>().GetProgressAsync(w.Manager, run.RunId);
        Assert.Equal((RunState.Uploaded, 3, 6L, (int?)1), (progress.State, progress.BatchesDone, progress.RowsDone, progress.Version));
        Assert.Equal(3, server.Applied.Count);
    }
}
