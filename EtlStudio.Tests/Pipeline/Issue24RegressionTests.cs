using System.Text.Json;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 24: the defects an independent check found in whole runs, each on a table small enough to work out by hand.
/// </summary>
public sealed class Issue24RegressionTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private Task<Guid> MethodAsync(AnonymizationMethod method, params (string Key, string Value)[] parameters) =>
        world.ScriptAsync(new ScriptInput("anon", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(method, parameters.ToDictionary(p => p.Key, p => p.Value))));

    /// <summary>A table of the columns (name, type) extracted from <paramref name="select"/> on the CRM database.</summary>
    private async Task<TableConfig> TableAsync(string name, string select, string? key, params (string Name, FieldType Type)[] columns) =>
        new(name, columns.Select(c => new ColumnConfig(c.Name, c.Type, [])).ToList(), key, MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync(select), world.Crm, 1)]);

    private static JsonElement? Value(Dictionary<string, JsonElement> row, string column) =>
        row[column].ValueKind == JsonValueKind.Null ? null : row[column];

    [Fact]
    public async Task Range_rules_leave_empty_values_to_the_empty_rules_in_every_typed_column()
    {
        // One record with every ranged column empty, and others below and above the bounds.
        var table = await TableAsync("t", """
            SELECT * FROM (VALUES (1, NULL::bigint, NULL::float8, NULL::date, NULL::timestamptz, NULL::int),
                                  (2, -5, -1.5, DATE '2031-01-01', TIMESTAMPTZ '2040-01-01Z', -1),
                                  (3, 500, 99.5, DATE '1999-01-01', TIMESTAMPTZ '1990-01-01Z', 5)) v(id, n, d, day, at, r)
            """, "id", ("id", FieldType.Integer), ("n", FieldType.Integer), ("d", FieldType.Double), ("day", FieldType.Date), ("at", FieldType.DateTime), ("r", FieldType.Integer));
        var rules = new[]
        {
            new FieldRuleBinding("t", "n", [await world.RuleAsync(FieldType.Integer, FieldRuleType.FillOutOfRange, min: "0", max: "120")]),
            new FieldRuleBinding("t", "d", [await world.RuleAsync(FieldType.Double, FieldRuleType.FillOutOfRange, max: "10")]),
            new FieldRuleBinding("t", "day", [await world.RuleAsync(FieldType.Date, FieldRuleType.FillOutOfRange, min: "2000-01-01")]),
            new FieldRuleBinding("t", "at", [await world.RuleAsync(FieldType.DateTime, FieldRuleType.FillOutOfRange, max: "2030-01-01T00:00:00Z")]),
            new FieldRuleBinding("t", "r", [await world.RuleAsync(FieldType.Integer, FieldRuleType.RemoveOutOfRange, min: "0", max: "10")]),
        };

        var run = await world.RunAsync(await world.TaskAsync([table], rules));

        Assert.Equal(RunState.Prepared, run.State);
        var rows = await world.RowsAsync(run.Id, "t");
        Assert.Equal([1L, 3], rows.Select(r => r["id"].GetInt64()));
        var empty = rows[0];
        Assert.Null(Value(empty, "n"));
        Assert.Null(Value(empty, "d"));
        Assert.Null(Value(empty, "day"));
        Assert.Null(Value(empty, "at"));
        Assert.Null(Value(empty, "r"));
        Assert.Equal((120L, 10.0, 1990), (rows[1]["n"].GetInt64(), rows[1]["d"].GetDouble(), rows[1]["at"].GetDateTimeOffset().Year));
        Assert.Equal("2000-01-01", rows[1]["day"].GetString());
        // Only record 2's -1 is out of the remove rule's range; the empty one stays.
        Assert.Equal("r -1 is outside [0, 10]", Assert.Single(await world.RejectsAsync(run.Id)).Reason);
    }

    [Fact]
    public async Task Anonymization_rejects_are_filed_under_the_step_name_with_the_record_as_staged()
    {
        var bands = await MethodAsync(AnonymizationMethod.Generalization, ("width", "10"));
        var table = await TableAsync("people", "SELECT * FROM (VALUES (1, 'Ann', 34, 'Oslo'), (2, 'Bob', 37, 'Oslo'), (3, 'Cid', 52, 'Rome')) v(id, name, age, city)",
            "id", ("id", FieldType.Integer), ("name", FieldType.String), ("age", FieldType.Integer), ("city", FieldType.String));
        var run = await world.RunAsync(await world.TaskAsync([table], anonymization: [new AnonymizationBinding("people", "age", bands, true, false)],
            privacy: new PrivacySettings(2, null, 1)));

        Assert.Equal(RunState.Prepared, run.State);
        var page = await world.Get<PipelineRunService>().RejectsAsync(world.Owner, run.Id, new RejectFilter(Step: "Anonymize"), new PageRequest(1, 50));
        var cid = Assert.Single(page.Items);
        Assert.Equal(("Anonymize", "people", "k-anonymity"), (cid.Step, cid.Table, cid.Rule));
        // Like every other step's rejects: the task's columns in order, as they came to the step (52, not "50-59").
        Assert.Equal("""{"id":3,"name":"Cid","age":52,"city":"Rome"}""", JsonSerializer.Serialize(JsonDocument.Parse(cid.Record).RootElement));
        Assert.Contains(run.Steps, s => s.Step == cid.Step && s.RowsRejected == 1);
    }

    [Fact]
    public async Task Permutation_of_an_anatomized_table_publishes_only_the_published_records_values()
    {
        var prefix = await MethodAsync(AnonymizationMethod.Generalization, ("prefix", "3"));
        var anatomy = await MethodAsync(AnonymizationMethod.Anatomization, ("l", "2"));
        var shuffle = await MethodAsync(AnonymizationMethod.Permutation, ("withinGroups", "false"));
        var table = await TableAsync("patients", """
            SELECT * FROM (VALUES (1, '12345', 'flu', 1000), (2, '12346', 'flu', 2000), (3, '12347', 'flu', 3000),
                                  (4, '12348', 'cold', 4000), (5, '12349', 'hiv', 5000)) v(id, zip, disease, salary)
            """, "id", ("id", FieldType.Integer), ("zip", FieldType.String), ("disease", FieldType.String), ("salary", FieldType.Integer));
        var run = await world.RunAsync(await world.TaskAsync([table], anonymization:
            [new AnonymizationBinding("patients", "zip", prefix, true, false), new AnonymizationBinding("patients", "disease", anatomy, false, true),
             new AnonymizationBinding("patients", "salary", shuffle, false, false)], privacy: new PrivacySettings(null, null, 1)));

        Assert.Equal(RunState.Prepared, run.State);
        var rejected = Assert.Single(await world.RejectsAsync(run.Id));
        Assert.Equal("l-diversity", rejected.Rule);
        var qit = await world.RowsAsync(run.Id, "patients_qit");
        Assert.Equal(4, qit.Count);
        // The published salaries are the published records' own, shuffled: the rejected record's is not among them.
        Assert.Equal(qit.Select(r => r["id"].GetInt64() * 1000).Order(), qit.Select(r => r["salary"].GetInt64()).Order());
    }

    [Fact]
    public async Task Permutation_within_groups_runs_through_a_whole_run_and_keeps_each_class_multiset()
    {
        var shuffle = await MethodAsync(AnonymizationMethod.Permutation, ("withinGroups", "true"));
        var table = await TableAsync("staff", "SELECT g AS id, CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || g % 2 END AS city, g * 10 AS salary FROM generate_series(1, 30) g",
            "id", ("id", FieldType.Integer), ("city", FieldType.String), ("salary", FieldType.Integer));
        var run = await world.RunAsync(await world.TaskAsync([table], anonymization:
            [new AnonymizationBinding("staff", "city", null, true, false), new AnonymizationBinding("staff", "salary", shuffle, false, false)],
            privacy: new PrivacySettings(null, null, 5)));

        Assert.Equal(RunState.Prepared, run.State);
        var rows = await world.RowsAsync(run.Id, "staff");
        static string City(long id) => id % 3 == 0 ? "-" : "c" + id % 2;
        Assert.Equal(Enumerable.Range(1, 30).Select(g => $"{City(g)}:{g * 10}").Order(),
            rows.Select(r => $"{r["city"].GetString() ?? "-"}:{r["salary"].GetInt64()}").Order());
        Assert.All(rows, r => Assert.Equal(City(r["id"].GetInt64()), r["city"].GetString() ?? "-"));
    }

    [Fact]
    public async Task Records_pointing_at_a_record_k_anonymity_removed_are_removed_too_down_the_chain()
    {
        // Rome has one customer: k = 2 removes customer 3, then its two orders, then the item of one of them.
        var customers = await TableAsync("customers", "SELECT * FROM (VALUES (1, 'Oslo'), (2, 'Oslo'), (3, 'Rome')) v(id, city)", "id",
            ("id", FieldType.Integer), ("city", FieldType.String));
        var orders = await TableAsync("orders", "SELECT * FROM (VALUES (10, 1), (11, 3), (12, 3), (13, NULL)) v(id, customer_id)", "id",
            ("id", FieldType.Integer), ("customer_id", FieldType.Integer)) with { ForeignKeys = [new ForeignKeyConfig("customer_id", "customers", "id")] };
        var items = await TableAsync("items", "SELECT * FROM (VALUES (100, 10), (101, 11)) v(id, order_id)", "id",
            ("id", FieldType.Integer), ("order_id", FieldType.Integer)) with { ForeignKeys = [new ForeignKeyConfig("order_id", "orders", "id")] };
        var run = await world.RunAsync(await world.TaskAsync([items, orders, customers],
            anonymization: [new AnonymizationBinding("customers", "city", null, true, false)], privacy: new PrivacySettings(2, null, 1)));

        Assert.Equal(RunState.Prepared, run.State);
        Assert.Equal([1L, 2], (await world.RowsAsync(run.Id, "customers")).Select(r => r["id"].GetInt64()));
        Assert.Equal([10L, 13], (await world.RowsAsync(run.Id, "orders")).Select(r => r["id"].GetInt64()));
        Assert.Equal([100L], (await world.RowsAsync(run.Id, "items")).Select(r => r["id"].GetInt64()));
        var rejects = (await world.RejectsAsync(run.Id)).Where(r => r.Step == "Anonymize").OrderBy(r => r.Id).Select(r => $"{r.Table}: {r.Rule}: {r.Column}: {r.Reason}");
        Assert.Equal([
            "customers: k-anonymity: : equivalence class of 1 < k=2",
            "orders: parent-removed: customer_id: parent customers.id 3 removed by k-anonymity",
            "orders: parent-removed: customer_id: parent customers.id 3 removed by k-anonymity",
            "items: parent-removed: order_id: parent orders.id 11 removed by parent-removed"], rejects);
        var step = run.Steps.Single(s => s.Step == "Anonymize");
        Assert.Equal((9L, 5L, 4L), (step.RowsIn, step.RowsOut, step.RowsRejected));
        var report = JsonDocument.Parse(run.PrivacyReportJson!).RootElement.GetProperty("tables").EnumerateArray()
            .ToDictionary(t => t.GetProperty("table").GetString()!, t => t.GetProperty("recordsRemovedWithParent").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["customers"] = 0, ["orders"] = 2, ["items"] = 1 }, report);
    }

    private Task<TableConfig> StaffAsync(string rows) => TableAsync("staff", $"SELECT * FROM (VALUES {rows}) v(id, manager_id, city)", "id",
        ("id", FieldType.Integer), ("manager_id", FieldType.Integer), ("city", FieldType.String));

    [Fact]
    public async Task A_table_referring_to_itself_loses_the_records_under_a_missing_manager_down_the_chain()
    {
        // 10's manager 99 is not there; 11 reports to 10, 12 to 11: all three go, each with its own reason.
        var staff = await StaffAsync("(1, NULL, 'Oslo'), (2, 1, 'Oslo'), (10, 99, 'Oslo'), (11, 10, 'Oslo'), (12, 11, 'Oslo'), (13, 13, 'Oslo')")
            with { ForeignKeys = [new ForeignKeyConfig("manager_id", "staff", "id")] };
        var run = await world.RunAsync(await world.TaskAsync([staff]));

        Assert.Equal(RunState.Prepared, run.State);
        Assert.Equal([1L, 2, 13], (await world.RowsAsync(run.Id, "staff")).Select(r => r["id"].GetInt64()));
        Assert.Equal([
            "ForeignKey: manager_id 99 has no match in staff.id",
            "ForeignKey: manager_id 10 has no match in staff.id",
            "ForeignKey: manager_id 11 has no match in staff.id"],
            (await world.RejectsAsync(run.Id)).OrderBy(r => r.Id).Select(r => $"{r.Rule}: {r.Reason}"));
        var step = run.Steps.Single(s => s.Step == "ForeignKeys");
        Assert.Equal((6L, 3L, 3L), (step.RowsIn, step.RowsOut, step.RowsRejected));
    }

    [Fact]
    public async Task Records_under_a_record_k_anonymity_removed_in_the_same_table_go_too_and_k_holds_on_what_is_left()
    {
        // k = 2 on city: Rome (3) is alone, so 3 goes; 4 and then 5 and 8 report down from it. That leaves 9 alone in
        // Paris, so 9 goes in a second round. Oslo keeps 1 and 2, Bergen 6 and 7: every published manager is published.
        var staff = await StaffAsync("""
            (1, NULL, 'Oslo'), (2, 1, 'Oslo'), (3, 1, 'Rome'), (4, 3, 'Oslo'), (5, 4, 'Oslo'),
            (6, 2, 'Bergen'), (7, 2, 'Bergen'), (8, 4, 'Paris'), (9, 1, 'Paris')
            """) with { ForeignKeys = [new ForeignKeyConfig("manager_id", "staff", "id")] };
        var run = await world.RunAsync(await world.TaskAsync([staff],
            anonymization: [new AnonymizationBinding("staff", "city", null, true, false)], privacy: new PrivacySettings(2, null, 1)));

        Assert.Equal(RunState.Prepared, run.State);
        var rows = await world.RowsAsync(run.Id, "staff");
        Assert.Equal([1L, 2, 6, 7], rows.Select(r => r["id"].GetInt64()));
        Assert.All(rows, r => Assert.True(r["manager_id"].ValueKind == JsonValueKind.Null || rows.Any(m => m["id"].GetInt64() == r["manager_id"].GetInt64())));
        Assert.Equal([
            "3: k-anonymity: equivalence class of 1 < k=2",
            "4: parent-removed: parent staff.id 3 removed by k-anonymity",
            "5: parent-removed: parent staff.id 4 removed by parent-removed",
            "8: parent-removed: parent staff.id 4 removed by parent-removed",
            "9: k-anonymity: equivalence class of 1 < k=2"],
            (await world.RejectsAsync(run.Id)).Where(r => r.Step == "Anonymize").OrderBy(r => r.Id)
                .Select(r => $"{JsonDocument.Parse(r.Record).RootElement.GetProperty("id")}: {r.Rule}: {r.Reason}"));
        var step = run.Steps.Single(s => s.Step == "Anonymize");
        Assert.Equal((9L, 4L, 5L), (step.RowsIn, step.RowsOut, step.RowsRejected));
        var report = JsonDocument.Parse(run.PrivacyReportJson!).RootElement.GetProperty("tables")[0];
        Assert.Equal((2L, 2L, 3L), (report.GetProperty("kReached").GetInt64(), report.GetProperty("recordsSuppressed").GetInt64(),
            report.GetProperty("recordsRemovedWithParent").GetInt64()));
    }

    [Fact]
    public async Task A_table_referring_to_itself_cannot_be_anatomized_and_the_run_says_why()
    {
        var staff = await StaffAsync("(1, NULL, 'Oslo'), (2, 1, 'Rome')") with { ForeignKeys = [new ForeignKeyConfig("manager_id", "staff", "id")] };
        var anatomy = await MethodAsync(AnonymizationMethod.Anatomization, ("l", "2"));
        var run = await world.RunAsync(await world.TaskAsync([staff], anonymization: [new AnonymizationBinding("staff", "city", anatomy, false, true)]));

        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains("refers to the table itself, so city cannot be anatomized", run.Error);
    }

    [Fact]
    public async Task A_task_the_engine_cannot_carry_out_fails_its_run_with_the_reason_not_an_internal_error()
    {
        var people = await TableAsync("people", "SELECT * FROM (VALUES (1, 'flu', 'a'), (2, 'cold', 'b')) v(id, disease, drug)", "id",
            ("id", FieldType.Integer), ("disease", FieldType.String), ("drug", FieldType.String));
        var anatomy = await MethodAsync(AnonymizationMethod.Anatomization, ("l", "2"));
        var run = await world.RunAsync(await world.TaskAsync([people], anonymization:
            [new AnonymizationBinding("people", "disease", anatomy, false, true), new AnonymizationBinding("people", "drug", anatomy, false, true)]));

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal("Table people: only one column can be anatomized, but disease, drug are.", run.Error);
        Assert.Equal(("Anonymize", "Failed"), (run.Steps[^1].Step, run.Steps[^1].Status));
    }
}
