using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Pipeline;

namespace EtlStudio.Tests.PrivacyGate;

/// <summary>The outbox's privacy report and utility measures on small tables, every expected figure computed by hand (issue 33).</summary>
public sealed class PrivacyMeasuresTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private const double Tolerance = 1e-9;

    private Task<Guid> AnonymizationAsync(AnonymizationMethod method, Dictionary<string, string> parameters) =>
        world.ScriptAsync(new ScriptInput(method.ToString().ToLowerInvariant(), ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(method, parameters)));

    /// <summary>
    /// Ages 21 25 27 | 33 35 38 39 | 44 in 10-year bands on a 0–120 range, k = 2: the 40-49 record is suppressed, leaving
    /// classes of 3 and 4.
    /// </summary>
    private async Task<Guid> AgesAsync()
    {
        var people = new TableConfig("people", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("age", FieldType.Integer, [])], "id",
            MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync(
                "SELECT * FROM (VALUES (1, 21), (2, 25), (3, 27), (4, 33), (5, 35), (6, 38), (7, 39), (8, 44)) v(id, age)"), world.Crm, 1)]);
        var range = await world.RuleAsync(FieldType.Integer, FieldRuleType.IgnoreOutOfRange, min: "0", max: "120");
        var bands = await AnonymizationAsync(AnonymizationMethod.Generalization, new() { ["width"] = "10" });
        return await world.TaskAsync([people], [new FieldRuleBinding("people", "age", [range])],
            anonymization: [new AnonymizationBinding("people", "age", bands, true, false)], privacy: new PrivacySettings(2, null, 7));
    }

    [Fact]
    public async Task Classes_risks_discernibility_and_the_NCP_of_10_year_bands_on_a_0_to_120_range_are_as_computed_by_hand()
    {
        var run = await world.RunAsync(await AgesAsync());
        Assert.Equal(RunState.Prepared, run.State);

        var t = (await world.Get<OutboxPrivacyService>().GetAsync(world.Owner, run.Id)).Report.Tables.Single();

        Assert.Equal((3L, 2L, 7L, 1L, 8L), (t.KReached, t.ClassCount, t.Records, t.RecordsSuppressed, t.RecordsIn));
        Assert.Equal(1.0 / 8, t.RemovedShare!.Value, Tolerance);
        Assert.Equal(1.0 / 3, t.MaxRisk!.Value, Tolerance);
        Assert.Equal(2.0 / 7, t.AverageRisk!.Value, Tolerance);
        Assert.Equal(2.0 / 7, t.MarketerRisk!.Value, Tolerance); // classes / records
        Assert.Equal(3 * 3 + 4 * 4 + 1 * 8, t.Discernibility!.Value, Tolerance); // the suppressed record costs all 8 that entered
        Assert.Equal(7.0 / 2, t.AverageClassSize!.Value, Tolerance);
        var age = t.Utility!.Single();
        Assert.Equal(("age", "Generalization"), (age.Column, age.Method));
        Assert.Equal(10.0 / 120, age.InformationLoss!.Value, Tolerance);
    }

    [Fact]
    public async Task The_NCP_of_months_on_a_two_year_range_and_of_a_value_to_group_map_are_as_computed_by_hand()
    {
        // Days 2020-01-15, 2020-02-10, 2020-02-20, 2021-03-05, 2020-01-15 to their months, over the range rule's
        // [2020-01-01, 2021-12-31] (730 days): (31 + 29 + 29 + 31 + 31) / 5 / 730 (2020 is a leap year).
        // Cities a b c d a through {a, b → AB; c → C}, d unmapped (*): of the 4 distinct values AB stands for 2 and C for 1,
        // * for everything: (2/4 + 2/4 + 1/4 + 1 + 2/4) / 5.
        var visits = new TableConfig("visits",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("day", FieldType.Date, []), new ColumnConfig("city", FieldType.String, [])], "id",
            MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync(
                "SELECT * FROM (VALUES (1, DATE '2020-01-15', 'a'), (2, DATE '2020-02-10', 'b'), (3, DATE '2020-02-20', 'c'), "
                + "(4, DATE '2021-03-05', 'd'), (5, DATE '2020-01-15', 'a')) v(id, day, city)"), world.Crm, 1)]);
        var range = await world.RuleAsync(FieldType.Date, FieldRuleType.IgnoreOutOfRange, min: "2020-01-01", max: "2021-12-31");
        var months = await AnonymizationAsync(AnonymizationMethod.Generalization, new() { ["truncate"] = "month" });
        var map = await AnonymizationAsync(AnonymizationMethod.Generalization, new() { ["groups"] = """{"a":"AB","b":"AB","c":"C"}""" });
        var run = await world.RunAsync(await world.TaskAsync([visits], [new FieldRuleBinding("visits", "day", [range])],
            anonymization: [new AnonymizationBinding("visits", "day", months, true, false), new AnonymizationBinding("visits", "city", map, true, false)],
            privacy: new PrivacySettings(null, null, 7)));
        Assert.True(run.State == RunState.Prepared, run.Error);

        var t = (await world.Get<OutboxPrivacyService>().GetAsync(world.Owner, run.Id)).Report.Tables.Single();
        Assert.Equal(151.0 / 5 / 730, t.Utility!.Single(u => u.Column == "day").InformationLoss!.Value, Tolerance);
        Assert.Equal((0.5 + 0.5 + 0.25 + 1 + 0.5) / 5, t.Utility!.Single(u => u.Column == "city").InformationLoss!.Value, Tolerance);
    }

    [Fact]
    public async Task An_edit_is_measured_a_value_edited_back_to_a_number_has_lost_nothing_and_forms_a_class_of_its_own()
    {
        var run = await world.RunAsync(await AgesAsync());
        var outbox = world.Get<OutboxService>();
        var first = (await outbox.GetPageAsync(world.Owner, run.Id, "people", new OutboxQuery(OrderBy: "id"))).Rows[0]; // id 1, "20-29"

        await outbox.UpdateAsync(world.Owner, run.Id, "people", first.RowId, new Dictionary<string, string?> { ["age"] = "21" });

        var t = (await world.Get<OutboxPrivacyService>().GetAsync(world.Owner, run.Id)).Report.Tables.Single();
        Assert.Equal((1L, 3L, 7L), (t.KReached, t.ClassCount, t.Records));
        Assert.Equal(2 * 2 + 4 * 4 + 1 + 1 * 8, t.Discernibility!.Value, Tolerance);
        Assert.Equal(6.0 / 7 * (10.0 / 120), t.Utility!.Single().InformationLoss!.Value, Tolerance);
        Assert.Equal(3.0 / 7, t.MarketerRisk!.Value, Tolerance);
    }

    [Fact]
    public async Task Noise_shifts_mean_and_deviation_from_the_values_before_it_and_a_permutation_loses_nothing_but_moves_records()
    {
        var visits = new TableConfig("visits",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("cost", FieldType.Double, []), new ColumnConfig("ward", FieldType.String, [])], "id",
            MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync(
                "SELECT * FROM (VALUES (1, 10.0, 'A'), (2, 20.0, 'B'), (3, 30.0, 'C'), (4, 40.0, 'D'), (5, 50.0, 'E'), (6, 60.0, 'F')) v(id, cost, ward)"), world.Crm, 1)]);
        var noise = await AnonymizationAsync(AnonymizationMethod.Perturbation, new() { ["distribution"] = "Laplace", ["scale"] = "5" });
        var shuffle = await AnonymizationAsync(AnonymizationMethod.Permutation, new());
        var run = await world.RunAsync(await world.TaskAsync([visits], anonymization:
            [new AnonymizationBinding("visits", "cost", noise, false, false), new AnonymizationBinding("visits", "ward", shuffle, false, false)],
            privacy: new PrivacySettings(null, null, 3)));
        Assert.Equal(RunState.Prepared, run.State);

        var t = (await world.Get<OutboxPrivacyService>().GetAsync(world.Owner, run.Id)).Report.Tables.Single();

        var rows = await world.RowsAsync(run.Id, "visits");
        var costs = rows.Select(r => r["cost"].GetDouble()).ToList();
        var cost = t.Utility!.Single(u => u.Column == "cost");
        Assert.Equal(35, cost.MeanBefore!.Value, Tolerance); // (10 + … + 60) / 6
        Assert.Equal(Math.Sqrt(1750.0 / 6), cost.StdDevBefore!.Value, Tolerance); // squared deviations 625 225 25 25 225 625
        Assert.Equal(costs.Average(), cost.MeanAfter!.Value, 1e-9);
        Assert.Equal(Math.Sqrt(costs.Sum(c => (c - costs.Average()) * (c - costs.Average())) / costs.Count), cost.StdDevAfter!.Value, 1e-9);
        Assert.NotEqual(0, cost.MeanShift!.Value); // Laplace noise of scale 5 on six values
        var ward = t.Utility!.Single(u => u.Column == "ward");
        Assert.Equal(0, ward.InformationLoss);
        Assert.Contains("nothing lost", ward.Note);
        var original = new Dictionary<long, string> { [1] = "A", [2] = "B", [3] = "C", [4] = "D", [5] = "E", [6] = "F" };
        Assert.Equal(rows.Count(r => r["ward"].GetString() != original[r["id"].GetInt64()]) / 6.0, ward.MovedShare!.Value, Tolerance);
        Assert.Equal(["A", "B", "C", "D", "E", "F"], rows.Select(r => r["ward"].GetString()!).Order());
    }
}
