using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Tests.Pipeline;
using Npgsql;

namespace EtlStudio.Tests.Uploads;

/// <summary>The real pipeline engine's outbox, edited and uploaded: the contract between engine, outbox and upload holds end to end.</summary>
public sealed class EngineUploadTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    [Fact]
    public async Task A_run_of_the_real_engine_is_edited_in_the_outbox_and_uploaded_as_v1()
    {
        await using var dest = new TestDatabase();
        await dest.InitializeAsync();
        var destination = await world.Get<ConnectionService>().CreateAsync(world.Owner, new ConnectionInput($"dw-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}", dest.ConnectionString, null));
        var tasks = world.Get<TaskService>();
        var id = await tasks.CreateAsync(world.Owner, $"task-{Guid.NewGuid():N}", "");
        await tasks.UpdateTablesAsync(world.Owner, id, [new TableConfig("customers",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []), new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, city FROM customers"), world.Crm, 10)])]);
        await tasks.UpdateUploadAsync(world.Owner, id, new UploadConfig(await world.ScriptAsync(new ScriptInput("upload", ScriptKind.Uploader, null, "{\"tablePrefix\": \"crm\"}")), destination));
        await tasks.ReleaseAsync(world.Owner, id);
        var run = await world.RunAsync(id);
        Assert.Equal(RunState.Prepared, run.State);

        var outbox = world.Get<OutboxService>();
        var page = await outbox.GetPageAsync(world.Owner, run.Id, "customers", new OutboxQuery(OrderBy: "id"));
        Assert.Equal(4, page.Total);
        await outbox.UpdateAsync(world.Owner, run.Id, "customers", page.Rows[0].RowId, new Dictionary<string, string?> { ["city"] = "Bergen" });
        await world.Get<UploadService>().RequestAsync(world.Owner, run.Id);
        await world.Get<IUploadExecutor>().ExecuteAsync(run.Id, default);

        await using var conn = new NpgsqlConnection(dest.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FILTER (WHERE city = 'Bergen'), count(*) FROM crm_customers", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        Assert.Equal((1L, 4L), (r.GetInt64(0), r.GetInt64(1)));
        await r.CloseAsync();
        NpgsqlConnection.ClearAllPools();
    }
}
