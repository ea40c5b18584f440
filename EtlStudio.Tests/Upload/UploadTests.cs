using EtlStudio.Core.Common;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Tests.Outbox;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Uploads; // not ".Upload": that would hide the gRPC Upload message in EtlStudio.Tests.Web

public sealed class UploadTests(OutboxCore core) : IClassFixture<OutboxCore>, IAsyncLifetime
{
    private readonly TestDatabase _destination = new();

    public Task InitializeAsync() => _destination.InitializeAsync();

    public Task DisposeAsync() => _destination.DisposeAsync();

    private UploadService Uploads => core.Get<UploadService>();
    private IUploadExecutor Executor => core.Get<IUploadExecutor>();

    private static StagedTable Orders(int count) => new("orders",
        [new("order_id", FieldType.Integer), new("person_id", FieldType.Integer), new("total", FieldType.Double), new("at", FieldType.DateTime)],
        "order_id",
        Enumerable.Range(1, count).Select(i => new object?[] { (long)i, (long)(1 + i % 5), i * 10.25, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i) }).ToList());

    private async Task<Guid> UploadAsync(OutboxWorld w, params StagedTable[] tables) => await UploadAsync(w, w.Manager, tables);

    private async Task<Guid> UploadAsync(OutboxWorld w, Core.Common.Actor runRequester, params StagedTable[] tables)
    {
        var run = await core.StageAsync(runRequester, w.Destination, ConnectionKind.PostgreSql, tables);
        await Uploads.RequestAsync(w.Manager, run.RunId);
        Assert.Contains(run.RunId, core.Queue.Uploads);
        await Executor.ExecuteAsync(run.RunId, default);
        return run.RunId;
    }

    [Fact]
    public async Task Two_uploads_give_v1_and_v2_both_readable_and_v1_can_be_made_current_again()
    {
        var w = await OutboxWorld.CreateAsync(core, _destination.ConnectionString);
        var first = await UploadAsync(w, OutboxWorld.People(5), Orders(3));
        var second = await UploadAsync(w, w.DataManager, OutboxWorld.People(8)); // started by one person, uploaded by another

        Assert.Equal(5L, await CountAsync("people_v1"));
        Assert.Equal(3L, await CountAsync("orders_v1"));
        Assert.Equal(8L, await CountAsync("people_v2"));
        Assert.Equal(8L, await CountAsync("people"));
        Assert.False(await ExistsAsync("orders"), "v2 has no orders, so its view is gone");
        Assert.Equal("person 003", await ScalarAsync<string>("SELECT name FROM people WHERE id = 3"));
        Assert.Equal(2, await CurrentDestinationVersionAsync());
        Assert.Equal((RunState.Uploaded, RunState.Uploaded), (await StateAsync(first), await StateAsync(second)));

        var modules = core.Get<DataModuleService>();
        var versions = await modules.VersionsAsync(w.DataManager, w.Destination);
        Assert.Equal([(2, true, 8L), (1, false, 8L)], versions.Select(v => (v.Version, v.IsCurrent, v.TotalRows)));
        Assert.Equal((w.Manager.Login, w.Manager.Login), (versions[0].CreatedByLogin, versions[1].CreatedByLogin)); // who asked for the upload
        Assert.Equal(first, versions[1].RunId);

        await modules.MakeCurrentAsync(w.Manager, w.Destination, 1);

        Assert.Equal(5L, await CountAsync("people"));
        Assert.Equal(3L, await CountAsync("orders"));
        Assert.Equal(1, await CurrentDestinationVersionAsync());
        var module = (await modules.ListAsync(w.DataManager, new PageRequest(1, 100))).Items.Single(m => m.Id == w.Destination);
        Assert.Equal((1, 2), (module.CurrentVersion, module.VersionCount));
        Assert.Contains("people_v1", module.CollectionProtocolJson);
        var denied = await Assert.ThrowsAsync<DomainException>(() => modules.MakeCurrentAsync(w.DataManager, w.Destination, 2));
        Assert.Equal(ErrorKind.PermissionDenied, denied.Kind);
    }

    [Theory]
    [InlineData("part", 1)]
    [InlineData("before-commit", 0)]
    [InlineData("after-commit", 0)]
    public async Task A_crash_during_the_upload_and_a_resume_give_exactly_the_right_rows_and_one_version_bump(string point, int part)
    {
        var w = await OutboxWorld.CreateAsync(core, _destination.ConnectionString);
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [OutboxWorld.People(40), Orders(25)],
            new UploadDescription("shop"));
        await Uploads.RequestAsync(w.Manager, run.RunId);
        core.Faults.CrashOnce(run.RunId, point, part);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor.ExecuteAsync(run.RunId, default));
        Assert.Equal(RunState.Uploading, await StateAsync(run.RunId));
        await Executor.ExecuteAsync(run.RunId, default);
        await Executor.ExecuteAsync(run.RunId, default); // a duplicate job after success changes nothing

        Assert.Equal(RunState.Uploaded, await StateAsync(run.RunId));
        Assert.Equal((40L, 25L), (await CountAsync("shop_people_v1"), await CountAsync("shop_orders_v1")));
        Assert.Equal((40L, 25L), (await CountAsync("shop_people"), await CountAsync("shop_orders")));
        Assert.Equal(40L, await ScalarAsync<long>("SELECT count(DISTINCT id) FROM shop_people"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM etl_datamodule_versions"));
        Assert.False(await ExistsAsync("shop_people_v2"));
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.DatamoduleVersions.CountAsync(v => v.ConnectionId == w.Destination));
        Assert.Equal(1, (await db.Connections.FirstAsync(c => c.Id == w.Destination)).Version);
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "upload.complete" && e.EntityId == run.RunId.ToString()));
    }

    [Fact]
    public async Task Uploading_needs_PROCESS_ETL_TASK_and_WRITE_on_the_destination_and_a_Prepared_run()
    {
        var w = await OutboxWorld.CreateAsync(core, _destination.ConnectionString);
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [OutboxWorld.People(2)]);
        var taskManagerWithoutWrite = await core.CreateAsync("taskmanager", UserRole.ProcessEtlTask);

        var noRole = await Assert.ThrowsAsync<DomainException>(() => Uploads.RequestAsync(w.DataManager, run.RunId));
        var noWrite = await Assert.ThrowsAsync<DomainException>(() => Uploads.RequestAsync(taskManagerWithoutWrite, run.RunId));
        Assert.Equal((ErrorKind.PermissionDenied, ErrorKind.PermissionDenied), (noRole.Kind, noWrite.Kind));
        Assert.Equal(RunState.Prepared, await StateAsync(run.RunId));

        await core.Get<Core.Outbox.OutboxService>().DiscardAsync(w.Manager, run.RunId);
        var discarded = await Assert.ThrowsAsync<DomainException>(() => Uploads.RequestAsync(w.Manager, run.RunId));
        Assert.Equal(ErrorKind.FailedPrecondition, discarded.Kind);
    }

    [Fact]
    public async Task An_outbox_paged_through_page_maps_uploads_its_tables_and_nothing_else()
    {
        var w = await OutboxWorld.CreateAsync(core, _destination.ConnectionString);
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [OutboxWorld.People(20)]);
        var page = await core.Get<Core.Outbox.OutboxService>().GetPageAsync(w.DataManager, run.RunId, "people",
            new Core.Outbox.OutboxQuery(2, 5, "age", true, [new("active", Core.Outbox.OutboxFilterOp.Equals, "true")]), Core.Outbox.OutboxPagePath.PageMap);
        await Uploads.RequestAsync(w.Manager, run.RunId);
        await Executor.ExecuteAsync(run.RunId, default);

        Assert.Equal((5, 10L), (page.Rows.Count, page.Total));
        Assert.Equal(RunState.Uploaded, await StateAsync(run.RunId));
        Assert.Equal(20L, await CountAsync("people_v1"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE '\\_pm\\_%'"));
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = new NpgsqlConnection(_destination.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private Task<long> CountAsync(string relation) => ScalarAsync<long>($"SELECT count(*) FROM \"{relation}\"");

    private Task<bool> ExistsAsync(string relation) => ScalarAsync<bool>($"SELECT to_regclass('\"{relation}\"') IS NOT NULL");

    private Task<int> CurrentDestinationVersionAsync() => ScalarAsync<int>("SELECT version FROM etl_datamodule_versions WHERE is_current");

    private async Task<RunState> StateAsync(Guid runId)
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.State).FirstAsync();
    }
}
