using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline;

/// <summary>Each rule and strategy of docs/architecture.md on small tables whose outcome is worked out by hand.</summary>
public sealed class PipelineRuleTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private async Task<TableConfig> CustomersAsync(MergeStrategy strategy) => new("customers",
        [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []),
         new ColumnConfig("age", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
        "id", strategy, [],
        [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age, city FROM customers"), world.Crm, 10),
         new ExtractionConfig(await world.ExtractorAsync("SELECT * FROM customers;"), world.Billing, 5)]);

    private async Task<IReadOnlyList<FieldRuleBinding>> AgeRulesAsync() =>
        [new FieldRuleBinding("customers", "age", [await world.RuleAsync(FieldType.Integer, FieldRuleType.FillEmpty, fill: "30"),
            await world.RuleAsync(FieldType.Integer, FieldRuleType.FillOutOfRange, min: "0", max: "120")])];

    [Fact]
    public async Task Field_rules_fill_and_clamp_source_priority_keeps_the_crm_row_and_orphan_orders_are_rejected_with_their_reason()
    {
        var orders = new TableConfig("orders",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("customer_id", FieldType.Integer, []), new ColumnConfig("amount", FieldType.Double, [])],
            "id", MergeStrategy.SourcePriority, [new ForeignKeyConfig("customer_id", "customers", "id")],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT * FROM orders"), world.Crm, 1)]);
        var task = await world.TaskAsync([orders, await CustomersAsync(MergeStrategy.SourcePriority)], await AgeRulesAsync());

        var run = await world.RunAsync(task);

        Assert.Equal(RunState.Prepared, run.State);
        var customers = await world.RowsAsync(run.Id, "customers");
        Assert.Equal([1L, 2, 3, 5], customers.Select(c => c["id"].GetInt64()));
        var bob = customers.Single(c => c["id"].GetInt64() == 2);
        Assert.Equal("Bob", bob["name"].GetString());               // CRM (priority 10) over billing's Robert
        Assert.Equal(120, bob["age"].GetInt64());                    // FillOutOfRange: 150 → the maximum 120
        Assert.Equal(30, customers.Single(c => c["id"].GetInt64() == 3)["age"].GetInt64()); // FillEmpty
        Assert.Equal([10L, 11], (await world.RowsAsync(run.Id, "orders")).Select(o => o["id"].GetInt64()));

        var rejects = await world.RejectsAsync(run.Id);
        var fay = Assert.Single(rejects, r => r.Rule == "Type");
        Assert.Equal(("FieldRules", "customers", "age"), (fay.Step, fay.Table, fay.Column));
        Assert.Equal("age: 'forty' is not an integer", fay.Reason);
        var robert = Assert.Single(rejects, r => r.Rule == "SourcePriority");
        Assert.Contains("Robert", robert.Record);
        Assert.Equal("id 2 also came from a source of higher priority (record 2 kept)", robert.Reason);
        var orphans = rejects.Where(r => r.Rule == "ForeignKey").OrderBy(r => r.Reason).ToList();
        Assert.Equal(["customer_id 6 has no match in customers.id", "customer_id 99 has no match in customers.id"], orphans.Select(o => o.Reason));

        Assert.Equal(["Extract", "FieldRules", "Merge", "ForeignKeys", "Transform", "Anonymize", "Outbox"], run.Steps.Select(s => s.Step));
        Assert.All(run.Steps, s => Assert.Equal("Succeeded", s.Status));
        var extract = run.Steps[0];
        Assert.Equal((10L, 10L), (extract.RowsIn, extract.RowsOut));  // 4 CRM + 2 billing customers, 4 orders
        Assert.Equal(1, run.Steps.Single(s => s.Step == "FieldRules").RowsRejected);
        Assert.Equal(2, run.Steps.Single(s => s.Step == "ForeignKeys").RowsRejected);
        Assert.Equal(["customers", "orders"], (await world.CatalogAsync(run.Id)).Select(t => t.Name));
    }

    [Fact]
    public async Task Records_without_a_key_are_rejected_as_such_and_never_taken_for_duplicates()
    {
        var codes = new TableConfig("codes", [new ColumnConfig("code", FieldType.String, []), new ColumnConfig("n", FieldType.Integer, [])],
            "code", MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT * FROM (VALUES ('a', 1), ('', 2), (NULL, 3), ('a', 4), ('b', 5), ('', 6)) v(code, n) ORDER BY n"), world.Crm, 1)]);

        var run = await world.RunAsync(await world.TaskAsync([codes], []));

        Assert.Equal(RunState.Prepared, run.State);
        Assert.Equal([1L, 5], (await world.RowsAsync(run.Id, "codes")).Select(c => c["n"].GetInt64()).Order());
        var rejects = await world.RejectsAsync(run.Id);
        Assert.Equal(3, rejects.Count(r => r is { Rule: "PrimaryKey", Reason: "code is empty" }));
        Assert.Equal("code a also came from a source of higher priority (record 1 kept)", Assert.Single(rejects, r => r.Rule == "SourcePriority").Reason);
        Assert.Equal((6L, 2L, 4L), run.Steps.Single(s => s.Step == "Merge") is var m ? (m.RowsIn, m.RowsOut, m.RowsRejected) : default);
    }

    [Fact]
    public async Task Each_table_is_merged_by_its_own_strategy_and_files_its_own_empty_keys_and_duplicates()
    {
        // Three tables, each with empty keys and duplicates, the middle one regenerating its keys: the duplicates of
        // the other two are found side by side, and each table's records go to the rejects under its own name.
        async Task<TableConfig> TableAsync(string name, MergeStrategy strategy, string values) => new(name,
            [new ColumnConfig("code", FieldType.String, []), new ColumnConfig("n", FieldType.Integer, [])], "code", strategy, [],
            [new ExtractionConfig(await world.ExtractorAsync($"SELECT * FROM (VALUES {values}) v(code, n) ORDER BY n"), world.Crm, 1)]);
        var first = await TableAsync("first", MergeStrategy.SourcePriority, "('a', 1), ('', 2), ('a', 3), ('b', 4)");
        var middle = await TableAsync("middle", MergeStrategy.Regenerate, "('7', 1), ('7', 2), (NULL, 3)");
        var last = await TableAsync("last", MergeStrategy.RemoveConflicting, "('x', 1), ('y', 2), ('x', 3), (NULL, 4), ('z', 5)");

        var run = await world.RunAsync(await world.TaskAsync([first, middle, last], []));

        Assert.Equal(RunState.Prepared, run.State);
        Assert.Equal([1L, 4], (await world.RowsAsync(run.Id, "first")).Select(c => c["n"].GetInt64()).Order());
        Assert.Equal([1L, 2], (await world.RowsAsync(run.Id, "middle")).Select(c => c["n"].GetInt64()).Order());
        Assert.Equal([2L, 5], (await world.RowsAsync(run.Id, "last")).Select(c => c["n"].GetInt64()).Order());
        var rejects = (await world.RejectsAsync(run.Id)).Where(r => r.Step.Equals("Merge", StringComparison.OrdinalIgnoreCase)).Select(r => $"{r.Table}: {r.Rule}: {r.Reason}").Order();
        Assert.Equal([
            "first: PrimaryKey: code is empty", "first: SourcePriority: code a also came from a source of higher priority (record 1 kept)",
            "last: PrimaryKey: code is empty", "last: RemoveConflicting: code x occurs 2 times", "last: RemoveConflicting: code x occurs 2 times",
            "middle: PrimaryKey: code is empty"], rejects);
        Assert.Equal((12L, 6L, 6L), run.Steps.Single(s => s.Step == "Merge") is var m ? (m.RowsIn, m.RowsOut, m.RowsRejected) : default);
    }

    [Fact]
    public async Task Remove_conflicting_drops_every_record_of_a_shared_key_and_remove_rules_drop_their_records()
    {
        var rules = new[]
        {
            new FieldRuleBinding("customers", "age", [await world.RuleAsync(FieldType.Integer, FieldRuleType.RemoveEmpty),
                await world.RuleAsync(FieldType.Integer, FieldRuleType.RemoveOutOfRange, min: "0", max: "120")]),
        };
        var run = await world.RunAsync(await world.TaskAsync([await CustomersAsync(MergeStrategy.RemoveConflicting)], rules));

        var customers = await world.RowsAsync(run.Id, "customers");
        Assert.Equal([1L, 2, 5], customers.Select(c => c["id"].GetInt64()));
        Assert.Equal("Robert", customers[1]["name"].GetString());
        var rejects = await world.RejectsAsync(run.Id);
        Assert.Equal("age is empty", Assert.Single(rejects, r => r.Rule == "RemoveEmpty").Reason);
        Assert.Equal("age 150 is outside [0, 120]", Assert.Single(rejects, r => r.Rule == "RemoveOutOfRange").Reason);
        // Bob was removed by the range rule, so only Robert is left with key 2: no conflict remains.
        Assert.DoesNotContain(rejects, r => r.Rule == "RemoveConflicting");
    }

    [Fact]
    public async Task Remove_conflicting_without_other_rules_drops_both_records_of_key_2()
    {
        var run = await world.RunAsync(await world.TaskAsync([await CustomersAsync(MergeStrategy.RemoveConflicting)], await AgeRulesAsync()));
        Assert.Equal([1L, 3, 5], (await world.RowsAsync(run.Id, "customers")).Select(c => c["id"].GetInt64()));
        Assert.All((await world.RejectsAsync(run.Id)).Where(r => r.Step == "Merge"), r => Assert.Equal("id 2 occurs 2 times", r.Reason));
        Assert.Equal(2, (await world.RejectsAsync(run.Id)).Count(r => r.Rule == "RemoveConflicting"));
    }

    [Fact]
    public async Task Rejected_records_are_filed_in_row_order_with_the_task_columns_only_and_the_rejects_are_keyed_when_the_run_is_prepared()
    {
        var run = await world.RunAsync(await world.TaskAsync([await CustomersAsync(MergeStrategy.RemoveConflicting)], await AgeRulesAsync()));

        var conflicting = (await world.RejectsAsync(run.Id)).Where(r => r.Rule == "RemoveConflicting").OrderBy(r => r.Id).ToList();
        Assert.Equal(conflicting.Select(r => r.RowId).Order(), conflicting.Select(r => r.RowId));
        Assert.Equal(2, conflicting.Select(r => r.RowId).Distinct().Count());
        // CRM's Bob (clamped to 120 by the field rule before the merge) first, then billing's Robert: the record as the step saw it.
        var records = conflicting.Select(r => System.Text.Json.JsonDocument.Parse(r.Record).RootElement).ToList();
        Assert.All(records, r => Assert.Equal(["id", "name", "age", "city"], r.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(["Bob", "Robert"], records.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(120, records[0].GetProperty("age").GetInt64());
        Assert.Equal(true, await world.ScalarAsync(
            $"SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'run_{run.Id:N}._rejects'::regclass AND indisprimary)"));
    }

    [Fact]
    public async Task Regenerate_keeps_every_record_and_gives_the_later_duplicate_the_next_key_on_record()
    {
        var run = await world.RunAsync(await world.TaskAsync([await CustomersAsync(MergeStrategy.Regenerate)], await AgeRulesAsync()));

        var customers = await world.RowsAsync(run.Id, "customers");
        Assert.Equal([1L, 2, 3, 6, 5], customers.Select(c => c["id"].GetInt64()));  // in extraction order; the largest key left was 5 (Fay, 6, fell to a field rule)
        Assert.Equal("Robert", customers.Single(c => c["id"].GetInt64() == 6)["name"].GetString());
        Assert.Equal("2→6", await world.ScalarAsync($"SELECT old_key || '→' || new_key FROM run_{run.Id:N}._key_changes"));
    }

    [Fact]
    public async Task A_run_anonymizes_from_its_stored_snapshot_and_keeps_the_privacy_report()
    {
        var bands = await world.ScriptAsync(new ScriptInput("bands", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(AnonymizationMethod.Generalization, new Dictionary<string, string> { ["width"] = "10" })));
        var hide = await world.ScriptAsync(new ScriptInput("hide", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(AnonymizationMethod.Suppression, new Dictionary<string, string>())));
        var task = await world.TaskAsync([await CustomersAsync(MergeStrategy.SourcePriority)], await AgeRulesAsync(),
            anonymization: [new AnonymizationBinding("customers", "age", bands, true, false), new AnonymizationBinding("customers", "name", hide, false, false)],
            privacy: new PrivacySettings(null, null, 11));

        var run = await world.RunAsync(task);

        Assert.Equal(RunState.Prepared, run.State);
        Assert.Equal(11, run.Seed);
        var customers = await world.RowsAsync(run.Id, "customers");
        Assert.Equal(["30-39", "120-129", "30-39", "20-29"], customers.Select(c => c["age"].GetString()));
        Assert.All(customers, c => Assert.Equal("*", c["name"].GetString()));
        Assert.Equal(FieldType.String, (await world.CatalogAsync(run.Id)).Single().Columns.Single(c => c.Name == "age").Type);
        Assert.Contains("\"kReached\": 1", run.PrivacyReportJson);
    }
}
