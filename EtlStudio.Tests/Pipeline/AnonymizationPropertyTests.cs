using System.Globalization;
using System.Text.Json;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 24: whole runs over generated tables, checked for what docs/architecture.md promises of Regenerate and the
/// anonymizations whose output is random: every record kept under Regenerate with unique keys, the first of a key keeping
/// it; a permuted column's multiset unchanged; perturbed integers inside the range rule's bounds with NULL kept NULL;
/// every anatomized group holding at least l distinct sensitive values, nothing lost between QIT, ST and the rejects.
/// </summary>
public sealed class AnonymizationPropertyTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private sealed record Patient(long Id, long? Age, double? Score, string City, string Disease);

    private static List<Patient> Patients(Random rnd, int n) => Enumerable.Range(0, n).Select(_ => new Patient(
        rnd.Next(1, n * 3 / 4), // duplicate keys on purpose
        rnd.Next(7) == 0 ? null : rnd.Next(0, 121),
        rnd.Next(9) == 0 ? null : Math.Round(rnd.NextDouble() * 100, 2),
        new[] { "north", "south", "east", "west" }[rnd.Next(4)],
        new[] { "flu", "cold", "asthma", "gout", "acne" }[rnd.Next(rnd.Next(2) == 0 ? 2 : 5)])).ToList();

    private static string Literal(object? v) => v switch
    {
        null => "NULL",
        string s => "'" + s.Replace("'", "''") + "'",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture)!,
    };

    private async Task<TableConfig> TableAsync(IReadOnlyList<Patient> rows) => new("patients",
        [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("age", FieldType.Integer, []), new ColumnConfig("score", FieldType.Double, []),
         new ColumnConfig("city", FieldType.String, []), new ColumnConfig("disease", FieldType.String, [])], "id", MergeStrategy.Regenerate, [],
        [new ExtractionConfig(await world.ExtractorAsync("SELECT id::bigint, age::bigint, score::float8, city::text, disease::text FROM (VALUES "
            + string.Join(", ", rows.Select(p => $"({p.Id}, {Literal(p.Age)}, {Literal(p.Score)}, {Literal(p.City)}, {Literal(p.Disease)})"))
            + ") v(id, age, score, city, disease)"), world.Crm, 1)]);

    private Task<Guid> MethodAsync(AnonymizationMethod method, params (string Key, string Value)[] parameters) =>
        world.ScriptAsync(new ScriptInput(method.ToString().ToLowerInvariant(), ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(method, parameters.ToDictionary(p => p.Key, p => p.Value))));

    private static string? Text(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.ToString();

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task Regenerate_permutation_and_perturbation_keep_their_promises(int seed)
    {
        var input = Patients(new Random(seed), 120);
        var ageRule = await world.RuleAsync(FieldType.Integer, FieldRuleType.FillOutOfRange, min: "10", max: "90");
        var run = await world.RunAsync(await world.TaskAsync([await TableAsync(input)],
            [new FieldRuleBinding("patients", "age", [ageRule])],
            anonymization:
            [
                new AnonymizationBinding("patients", "age", await MethodAsync(AnonymizationMethod.Perturbation, ("distribution", "laplace"), ("scale", "15")), false, false),
                new AnonymizationBinding("patients", "score", await MethodAsync(AnonymizationMethod.Permutation), false, false),
            ],
            privacy: new PrivacySettings(null, null, seed)));
        Assert.True(run.State == RunState.Prepared, run.Error);
        var rows = await world.RowsAsync(run.Id, "patients");

        // Regenerate: every record stays, keys are unique, the first record of a key keeps it, the others get keys above the maximum.
        Assert.Equal(input.Count, rows.Count);
        var ids = rows.Select(r => long.Parse(Text(r["id"])!)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var originalKeys = input.Select(p => p.Id).Distinct().ToList();
        Assert.Subset(ids.ToHashSet(), originalKeys.ToHashSet());
        Assert.All(ids.Except(originalKeys), id => Assert.True(id > input.Max(p => p.Id), $"regenerated key {id} is not above the maximum"));
        // The records themselves (apart from the columns anonymized) are the input's, as a multiset.
        Assert.Equal(input.Select(p => $"{p.City}|{p.Disease}").Order(), rows.Select(r => $"{Text(r["city"])}|{Text(r["disease"])}").Order());

        // Permutation: the column's multiset is unchanged.
        Assert.Equal(input.Select(p => p.Score?.ToString("R", CultureInfo.InvariantCulture) ?? "-").Order(),
            rows.Select(r => r["score"].ValueKind == JsonValueKind.Null ? "-" : r["score"].GetDouble().ToString("R", CultureInfo.InvariantCulture)).Order());

        // Perturbation: integers, inside the range rule's bounds, NULL kept NULL, and not all left as they were.
        var ages = rows.Select(r => Text(r["age"])).ToList();
        Assert.Equal(input.Count(p => p.Age is null), ages.Count(a => a is null));
        Assert.All(ages.Where(a => a is not null), a => Assert.InRange(long.Parse(a!), 10, 90));
        var clamped = input.Where(p => p.Age is not null).Select(p => Math.Clamp(p.Age!.Value, 10, 90)).Order().ToList();
        Assert.NotEqual(clamped, ages.Where(a => a is not null).Select(a => long.Parse(a!)).Order().ToList());
    }

    [Theory]
    [InlineData(21, 2)]
    [InlineData(22, 3)]
    public async Task Anatomization_gives_every_group_l_distinct_values_and_loses_no_record(int seed, int l)
    {
        var input = Patients(new Random(seed), 90).Select((p, i) => p with { Id = i + 1 }).ToList();
        var run = await world.RunAsync(await world.TaskAsync([await TableAsync(input)],
            anonymization:
            [
                new AnonymizationBinding("patients", "city", null, true, false),
                new AnonymizationBinding("patients", "disease", await MethodAsync(AnonymizationMethod.Anatomization, ("l", l.ToString(CultureInfo.InvariantCulture))), false, true),
            ],
            privacy: new PrivacySettings(null, l, seed)));
        Assert.True(run.State == RunState.Prepared, run.Error);
        var qit = await world.RowsAsync(run.Id, "patients_qit");
        var st = await world.RowsAsync(run.Id, "patients_st");

        var groups = st.GroupBy(r => Text(r["group_id"])).ToList();
        Assert.All(groups, g => Assert.True(g.Select(r => Text(r["disease"])).Distinct().Count() >= l, $"group {g.Key} holds fewer than {l} distinct values"));
        // Each group's ST counts add up to its QIT records.
        var qitPerGroup = qit.GroupBy(r => Text(r["group_id"])).ToDictionary(g => g.Key!, g => (long)g.Count());
        Assert.Equal(qitPerGroup.OrderBy(p => p.Key), groups.ToDictionary(g => g.Key!, g => g.Sum(r => r["count"].GetInt64())).OrderBy(p => p.Key));

        // Published and rejected together are the input: diseases as a multiset, records by id.
        var rejected = (await world.RejectsAsync(run.Id)).Where(r => r.Step == "Anonymize").ToList();
        Assert.All(rejected, r => Assert.Equal("l-diversity", r.Rule));
        var published = st.SelectMany(r => Enumerable.Repeat(Text(r["disease"])!, (int)r["count"].GetInt64()));
        var rejectedDiseases = rejected.Select(r => JsonDocument.Parse(r.Record).RootElement.GetProperty("disease").GetString()!);
        Assert.Equal(input.Select(p => p.Disease).Order(), published.Concat(rejectedDiseases).Order());
        Assert.Equal(input.Count, qit.Count + rejected.Count);

        var report = JsonDocument.Parse(run.PrivacyReportJson!).RootElement.GetProperty("tables").EnumerateArray().Single();
        var sensitive = report.GetProperty("sensitive").EnumerateArray().Single();
        Assert.True(sensitive.GetProperty("lReached").GetInt64() >= l);
    }
}
