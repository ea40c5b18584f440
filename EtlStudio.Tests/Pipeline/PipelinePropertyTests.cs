using System.Globalization;
using System.Text.Json;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 24: whole runs over generated tables — NULLs, empty strings, values on and past the bounds, duplicate and
/// empty keys, orphans — against a small reference implementation of docs/architecture.md in plain C# (field rules, merge,
/// foreign keys, a key of a table to itself, k-anonymity with its removals passed down to children).
/// </summary>
public sealed class PipelinePropertyTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private sealed record Customer(long? Id, long? Age, double? Score, string? City, DateOnly? Day);
    private sealed record Order(long Id, long? CustomerId, long? ParentId);

    /// <summary>Orders whose parent order is gone go too, until every parent left is there.</summary>
    private static List<Order> Settled(List<Order> orders)
    {
        while (true)
        {
            var ids = orders.Select(o => o.Id).ToHashSet();
            var kept = orders.Where(o => o.ParentId is null || ids.Contains(o.ParentId.Value)).ToList();
            if (kept.Count == orders.Count) return kept;
            orders = kept;
        }
    }

    private static List<Customer> Customers(Random rnd, int n) => Enumerable.Range(0, n).Select(_ => new Customer(
        rnd.Next(12) == 0 ? null : rnd.Next(1, 40),
        rnd.Next(8) == 0 ? null : new[] { -1L, 0, 120, 121 }[rnd.Next(4)] * (rnd.Next(3) == 0 ? 1 : 0) + rnd.Next(3) * rnd.Next(60),
        rnd.Next(8) == 0 ? null : new[] { -0.25, 0, 100, 100.25, 37.5 }[rnd.Next(5)],
        new[] { null, "", "a", "b", "c", "d" + rnd.Next(30) }[rnd.Next(6)],
        rnd.Next(8) == 0 ? null : new DateOnly(2020, 1, 1).AddDays(rnd.Next(400)))).ToList();

    private static string Literal(object? v) => v switch
    {
        null => "NULL",
        string s => "'" + s.Replace("'", "''") + "'",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateOnly d => $"DATE '{d:yyyy-MM-dd}'",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture)!,
    };

    private static string Select(IEnumerable<Customer> rows) =>
        "SELECT id::bigint, age::bigint, score::float8, city::text, day::date FROM (VALUES "
        + string.Join(", ", rows.Select(c => $"({Literal(c.Id)}, {Literal(c.Age)}, {Literal(c.Score)}, {Literal(c.City)}, {Literal(c.Day)})"))
        + ") v(id, age, score, city, day)";

    [Theory]
    [InlineData(1, MergeStrategy.SourcePriority)]
    [InlineData(2, MergeStrategy.RemoveConflicting)]
    [InlineData(3, MergeStrategy.SourcePriority)]
    public async Task A_run_publishes_what_the_reference_implementation_computes(int seed, MergeStrategy strategy)
    {
        var rnd = new Random(seed);
        var (first, second) = (Customers(rnd, 50), Customers(rnd, 30));
        // An order may amend an earlier one (parent_id), sometimes one that is not there.
        var orders = Enumerable.Range(1, 60).Select(i => new Order(i, rnd.Next(6) == 0 ? null : rnd.Next(1, 45), rnd.Next(3) == 0 ? rnd.Next(1, 70) : null)).ToList();

        var customerTable = new TableConfig("customers",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("age", FieldType.Integer, []), new ColumnConfig("score", FieldType.Double, []),
             new ColumnConfig("city", FieldType.String, []), new ColumnConfig("day", FieldType.Date, [])], "id", strategy, [],
            [new ExtractionConfig(await world.ExtractorAsync(Select(first)), world.Crm, 10), new ExtractionConfig(await world.ExtractorAsync(Select(second)), world.Billing, 5)]);
        var orderTable = new TableConfig("orders", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("customer_id", FieldType.Integer, []), new ColumnConfig("parent_id", FieldType.Integer, [])],
            "id", MergeStrategy.SourcePriority, [new ForeignKeyConfig("parent_id", "orders", "id"), new ForeignKeyConfig("customer_id", "customers", "id")],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT * FROM (VALUES " + string.Join(", ", orders.Select(o => $"({o.Id}, {Literal(o.CustomerId)}::bigint, {Literal(o.ParentId)}::bigint)")) + ") v(id, customer_id, parent_id)"), world.Crm, 1)]);
        var rules = new[]
        {
            new FieldRuleBinding("customers", "age", [await world.RuleAsync(FieldType.Integer, FieldRuleType.FillOutOfRange, min: "0", max: "120")]),
            new FieldRuleBinding("customers", "score", [await world.RuleAsync(FieldType.Double, FieldRuleType.RemoveOutOfRange, min: "0", max: "100")]),
            new FieldRuleBinding("customers", "city", [await world.RuleAsync(FieldType.String, FieldRuleType.FillEmpty, fill: "none")]),
            new FieldRuleBinding("customers", "day", [await world.RuleAsync(FieldType.Date, FieldRuleType.IgnoreOutOfRange, min: "2020-06-01")]),
        };
        var run = await world.RunAsync(await world.TaskAsync([orderTable, customerTable], rules,
            anonymization: [new AnonymizationBinding("customers", "city", null, true, false)], privacy: new PrivacySettings(2, null, seed)));

        // The reference: rules, then merge (records of the higher-priority source first), keys, k-anonymity, and down to the orders.
        var cleaned = first.Concat(second)
            .Where(c => c.Score is null or (>= 0 and <= 100))
            .Select(c => c with { Age = c.Age is { } a ? Math.Clamp(a, 0, 120) : null, City = string.IsNullOrEmpty(c.City) ? "none" : c.City })
            .Where(c => c.Id is not null).ToList();
        var merged = strategy == MergeStrategy.SourcePriority
            ? cleaned.GroupBy(c => c.Id).Select(g => g.First()).ToList()
            : cleaned.GroupBy(c => c.Id).Where(g => g.Count() == 1).Select(g => g.Single()).ToList();
        var checkedOrders = Settled(orders.Where(o => o.CustomerId is null || merged.Any(c => c.Id == o.CustomerId)).ToList());
        var published = merged.GroupBy(c => c.City).Where(g => g.Count() >= 2).SelectMany(g => g).ToList();
        var publishedOrders = Settled(checkedOrders.Where(o => o.CustomerId is null || published.Any(c => c.Id == o.CustomerId)).ToList());

        Assert.Equal(RunState.Prepared, run.State);
        static string Text(JsonElement e) => e.ValueKind == JsonValueKind.Null ? "-" : e.ToString();
        Assert.Equal(published.Select(c => $"{c.Id}|{Literal(c.Age)}|{(c.Score is { } s ? s.ToString(CultureInfo.InvariantCulture) : "-")}|{c.City}|{(c.Day is { } d ? d.ToString("yyyy-MM-dd") : "-")}")
                .Select(x => x.Replace("|NULL|", "|-|")).Order(),
            (await world.RowsAsync(run.Id, "customers")).Select(r => $"{Text(r["id"])}|{Text(r["age"])}|{Text(r["score"])}|{Text(r["city"])}|{Text(r["day"])}").Order());
        Assert.Equal(publishedOrders.Select(o => $"{o.Id}|{o.CustomerId?.ToString() ?? "-"}|{o.ParentId?.ToString() ?? "-"}").Order(),
            (await world.RowsAsync(run.Id, "orders")).Select(r => $"{Text(r["id"])}|{Text(r["customer_id"])}|{Text(r["parent_id"])}").Order());

        // The guarantees on the output: k as reported and at least k, no dangling foreign key, every removal counted.
        var report = JsonDocument.Parse(run.PrivacyReportJson!).RootElement.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!);
        var k = published.GroupBy(c => c.City).Select(g => (long?)g.Count()).Min();
        Assert.Equal(k, report["customers"].GetProperty("kReached").ValueKind == JsonValueKind.Null ? null : report["customers"].GetProperty("kReached").GetInt64());
        Assert.True(k is null or >= 2);
        Assert.Equal(merged.Count - published.Count, report["customers"].GetProperty("recordsSuppressed").GetInt64());
        Assert.Equal(checkedOrders.Count - publishedOrders.Count, report.TryGetValue("orders", out var o) ? o.GetProperty("recordsRemovedWithParent").GetInt64() : 0);
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM run_{run.Id:N}.orders o WHERE o.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM run_{run.Id:N}.customers c WHERE c.id = o.customer_id)"));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM run_{run.Id:N}.orders o WHERE o.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM run_{run.Id:N}.orders p WHERE p.id = o.parent_id)"));
        var step = run.Steps.Single(s => s.Step == "Anonymize");
        Assert.Equal((merged.Count + checkedOrders.Count, published.Count + publishedOrders.Count), (step.RowsIn, step.RowsOut));
    }
}
