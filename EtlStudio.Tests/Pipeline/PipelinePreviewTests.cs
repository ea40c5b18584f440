using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline;

public sealed class PipelinePreviewTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    [Fact]
    public async Task A_preview_on_a_sample_shows_the_rows_after_every_step_and_keeps_nothing()
    {
        var customers = new TableConfig("customers",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []), new ColumnConfig("age", FieldType.Integer, [])],
            "id", MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age FROM customers ORDER BY id"), world.Crm, 10),
             new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age FROM customers ORDER BY id"), world.Billing, 5)]);
        var bands = await world.ScriptAsync(new ScriptInput("bands", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(AnonymizationMethod.Generalization, new Dictionary<string, string> { ["width"] = "10" })));
        var task = await world.TaskAsync([customers], anonymization: [new AnonymizationBinding("customers", "age", bands, true, false)]);

        var preview = await world.Get<PipelinePreviewService>().PreviewAsync(world.Owner, task, sampleRows: 2);

        Assert.Null(preview.Error);
        Assert.Equal(Enum.GetValues<PipelineStep>(), preview.Steps.Select(s => s.Step));
        Assert.Equal(4, preview.Steps[0].RowsOut);  // two rows from each source
        var merged = preview.Steps.Single(s => s.Step == PipelineStep.Merge);
        Assert.Equal(["1", "2", "5"], merged.Tables.Single(t => t.Name == "customers").Rows.Select(r => r["id"]));
        Assert.Contains(merged.Rejects, r => r["rule"] == "SourcePriority");
        var outbox = preview.Steps[^1].Tables.Single(t => t.Name == "customers");
        Assert.Equal("30-39", outbox.Rows[0]["age"]);
        Assert.Equal(0L, await world.ScalarAsync("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'preview_%'"));
    }
}
