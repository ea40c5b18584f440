using System.Text.Json.Nodes;
using EtlStudio.Core.Connections;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Pipeline;

/// <summary>A data-module version is described by the task configuration its run started with, not by later edits of the task.</summary>
public sealed class RunMetadataTests(PipelineWorld world) : IClassFixture<PipelineWorld>, IAsyncLifetime
{
    private readonly TestDatabase _destination = new();

    public Task InitializeAsync() => _destination.InitializeAsync();

    public Task DisposeAsync() => _destination.DisposeAsync();

    [Fact]
    public async Task The_uploaded_versions_metadata_keeps_the_rules_of_its_run_after_the_task_changes()
    {
        var customers = new TableConfig("customers",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []), new ColumnConfig("age", FieldType.Integer, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age FROM customers"), world.Billing, 1)]);
        var clamp = await world.RuleAsync(FieldType.Integer, FieldRuleType.FillOutOfRange, min: "0", max: "120");
        var taskId = await world.TaskAsync([customers], [new FieldRuleBinding("customers", "age", [clamp])]);
        var destination = await world.Get<ConnectionService>().CreateAsync(world.Owner,
            new ConnectionInput($"module-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}", _destination.ConnectionString, null));
        var tasks = world.Get<TaskService>();
        await tasks.UpdateUploadAsync(world.Owner, taskId, new UploadConfig(await world.ScriptAsync(new ScriptInput("upload", ScriptKind.Uploader, null, "")), destination));
        await tasks.ReleaseAsync(world.Owner, taskId);
        var run = await world.RunAsync(taskId);
        Assert.Equal(RunState.Prepared, run.State);

        // After the run, the task loses its rule (and becomes a draft again).
        await tasks.UpdateFieldRulesAsync(world.Owner, taskId, [new FieldRuleBinding("customers", "age", [])]);
        await world.Get<UploadService>().RequestAsync(world.Owner, run.Id);
        await world.Get<IUploadExecutor>().ExecuteAsync(run.Id, CancellationToken.None);

        var metadata = JsonNode.Parse(await world.Get<DataModuleService>().ExportMetadataAsync(world.Owner, destination))!;
        var age = metadata["recordSet"]!.AsArray().Single(r => (string?)r!["name"] == "customers")!["field"]!.AsArray().Single(f => (string?)f!["name"] == "age")!;
        Assert.Contains(clamp.ToString(), age.ToJsonString());
        var now = JsonNode.Parse(await tasks.ExportMetadataAsync(world.Owner, taskId))!;
        Assert.DoesNotContain(clamp.ToString(), now.ToJsonString());
    }
}
