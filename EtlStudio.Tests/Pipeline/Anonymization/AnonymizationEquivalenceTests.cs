using System.Text.Json;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Npgsql;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;
using Strategy = EtlStudio.Core.Pipeline.Anonymization.AnonymizationStrategy;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>
/// Every fast-path strategy of the anonymizer publishes what the reference path (plain SQL, ReferenceAnonymizer)
/// publishes, row for row: the output tables (or QIT and ST), the rejects (rule, column, reason, record) and the
/// privacy report, for generated tables of every column type and several seeds. Each case also checks that the
/// strategy it is about was the one taken, so no case passes by comparing the reference with itself.
/// </summary>
public sealed class AnonymizationEquivalenceTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private static readonly GeneralizationParameters Decades = new(10, null, null, null);

    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var seed in new[] { 1, 2 })
        {
            foreach (var options in new[] { "default", "side connections", "nothing held", "QIT by query", "sorted by value", "ST by query" })
                foreach (var shape in new[] { "anatomy with held shuffles", "anatomy over the cap", "anatomy with text shuffles" })
                    data.Add(shape, options, seed);
            foreach (var options in new[] { "default", "side connections" })
                foreach (var shape in new[] { "generalized, suppressed, shuffled within classes", "shuffled across the table", "nothing rewritten" })
                    data.Add(shape, options, seed);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryStrategy_PublishesWhatTheReferencePathPublishes(string shape, string options, int seed)
    {
        var (columns, privacy, common) = Shape(shape);
        var t = await StagedTable.CreateAsync(db.ConnectionString, columns, GeneratedTable.Rows(600, seed, common));

        var reference = await OutputsAsync(t, await RunAsync(t, seed, privacy, conn => new ReferenceAnonymizer().ApplyAsync(conn, t.Request(seed, privacy), CancellationToken.None)));
        await t.RecreateAsync();
        var fast = await FastAsync(t, seed, privacy, options);

        Assert.Equal(reference, await OutputsAsync(t, fast));
        Assert.NotNull(fast.Strategy);
        Expect(shape, options, fast.Strategy!);
    }

    /// <summary>Larger than a batch (8,192 rows) and than a COPY buffer, with every choice made in the dealing pass.</summary>
    [Fact]
    public async Task ATableOfManyBatches_DealtInOnePass_PublishesWhatTheReferencePathPublishes()
    {
        var (columns, privacy, common) = Shape("anatomy over the cap");
        var t = await StagedTable.CreateAsync(db.ConnectionString, columns, GeneratedTable.Rows(20_000, 3, common));
        var reference = await OutputsAsync(t, await RunAsync(t, 3, privacy, conn => new ReferenceAnonymizer().ApplyAsync(conn, t.Request(3, privacy), CancellationToken.None)));
        await t.RecreateAsync();
        var fast = await FastAsync(t, 3, privacy, "default");

        Assert.Equal(reference, await OutputsAsync(t, fast));
        Assert.Equal((Strategy.Writing.Dealt, Strategy.Writing.Dealt), (fast.Strategy!.Qit, fast.Strategy.St));
    }

    private static (IReadOnlyList<ResolvedColumn> Columns, PrivacySettings Privacy, double Common) Shape(string shape) => shape switch
    {
        // l = 2 and no value in half the records: nothing over the cap, so the fixed-width shuffles stay held and QIT is dealt.
        "anatomy with held shuffles" => (GeneratedTable.Columns(
            ("zip", (n, _) => Plain(n, FieldType.String, qi: true)),
            ("age", (n, ty) => With(n, ty, Decades, qi: true)),
            ("disease", (n, ty) => With(n, ty, new AnatomizationParameters(2), sensitive: true)),
            ("income", (n, ty) => With(n, ty, new PerturbationParameters(NoiseDistribution.Laplace, 20, null), min: "0", max: "500")),
            ("born", (n, ty) => With(n, ty, new PerturbationParameters(null, null, 30), min: "1950-02-01")),
            ("score", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("ratio", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("ok", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("at", (n, ty) => With(n, ty, new PermutationParameters(false)))), new PrivacySettings(3, null, null), 0.3),
        "anatomy over the cap" => (GeneratedTable.Columns(
            ("zip", (n, _) => Plain(n, FieldType.String, qi: true)),
            ("age", (n, ty) => With(n, ty, Decades, qi: true)),
            ("disease", (n, ty) => With(n, ty, new AnatomizationParameters(3), sensitive: true)),
            ("income", (n, ty) => With(n, ty, new PerturbationParameters(NoiseDistribution.Gaussian, 40, null), min: "0")),
            ("born", (n, ty) => With(n, ty, new PerturbationParameters(null, null, 400))),
            ("score", (n, ty) => With(n, ty, new PerturbationParameters(NoiseDistribution.Laplace, 3, null), min: "0", max: "90")),
            ("note", (n, _) => Plain(n, FieldType.String, sensitive: true))), new PrivacySettings(3, null, null), 0.5),
        "anatomy with text shuffles" => (GeneratedTable.Columns(
            ("zip", (n, _) => Plain(n, FieldType.String, qi: true)),
            ("age", (n, ty) => With(n, ty, Decades, qi: true)),
            ("disease", (n, ty) => With(n, ty, new AnatomizationParameters(3), sensitive: true)),
            ("score", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("note", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("ratio", (n, ty) => With(n, ty, new PermutationParameters(true))),
            ("at", (n, ty) => With(n, ty, new PerturbationParameters(null, null, 2)))), new PrivacySettings(2, 3, null), 0.5),
        "generalized, suppressed, shuffled within classes" => (GeneratedTable.Columns(
            ("zip", (n, ty) => With(n, ty, new GeneralizationParameters(null, null, 1, null), qi: true)),
            ("age", (n, ty) => With(n, ty, Decades, qi: true)),
            ("disease", (n, ty) => With(n, ty, new SuppressionParameters("*", null), sensitive: true)),
            ("income", (n, ty) => With(n, ty, new GeneralizationParameters(25.5, null, null, null))),
            ("born", (n, ty) => With(n, ty, new GeneralizationParameters(null, DateTruncation.Month, null, null))),
            ("at", (n, ty) => With(n, ty, new GeneralizationParameters(null, DateTruncation.Year, null, null))),
            ("ok", (n, ty) => With(n, ty, new GeneralizationParameters(null, null, null, new Dictionary<string, string> { ["true"] = "yes" }))),
            ("score", (n, ty) => With(n, ty, new PerturbationParameters(NoiseDistribution.Laplace, 3, null), min: "0", max: "99")),
            ("ratio", (n, ty) => With(n, ty, new PermutationParameters(true))),
            ("note", (n, ty) => With(n, ty, new PermutationParameters(true), sensitive: true))), new PrivacySettings(2, null, null), 0.3),
        "shuffled across the table" => (GeneratedTable.Columns(
            ("zip", (n, _) => Plain(n, FieldType.String, qi: true)),
            ("age", (n, _) => Plain(n, FieldType.Integer, qi: true)),
            ("income", (n, ty) => With(n, ty, new PerturbationParameters(NoiseDistribution.Laplace, 20, null))),
            ("born", (n, ty) => With(n, ty, new PerturbationParameters(null, null, 30))),
            ("score", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("ok", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("at", (n, ty) => With(n, ty, new PermutationParameters(false))),
            ("note", (n, ty) => With(n, ty, new PermutationParameters(false)))), new PrivacySettings(3, null, null), 0.3),
        _ => (GeneratedTable.Columns(
            ("zip", (n, _) => Plain(n, FieldType.String, qi: true)),
            ("age", (n, _) => Plain(n, FieldType.Integer, qi: true)),
            ("disease", (n, _) => Plain(n, FieldType.String, sensitive: true))), new PrivacySettings(4, 2, null), 0.3),
    };

    private async Task<AnonymizationResult> FastAsync(StagedTable t, int seed, PrivacySettings privacy, string options)
    {
        var anonymizer = TableAnonymizer.With(options switch
        {
            "nothing held" => new AnonymizationOptions { HeldShuffleBytes = 0, StValuesHeld = 0, CountedGroups = 0, RankedValuesHeld = 0, QitDealt = false },
            "QIT by query" => new AnonymizationOptions { QitDealt = false },
            "sorted by value" => new AnonymizationOptions { RankedValuesHeld = 0 },
            "ST by query" => new AnonymizationOptions { StValuesHeld = 0, CountedGroups = 0 },
            _ => new AnonymizationOptions(),
        });
        if (options != "side connections")
            return await RunAsync(t, seed, privacy, conn => anonymizer.ApplyAsync(conn, t.Request(seed, privacy), CancellationToken.None));
        await using var source = NpgsqlDataSource.Create(db.ConnectionString);
        var side = new SideConnections(source, (_, _) => Task.CompletedTask);
        return await RunAsync(t, seed, privacy, conn => anonymizer.ApplyAsync(conn, t.Request(seed, privacy), CancellationToken.None, side));
    }

    private static async Task<AnonymizationResult> RunAsync(StagedTable t, int seed, PrivacySettings privacy, Func<NpgsqlConnection, Task<AnonymizationResult>> run)
    {
        await using var conn = await t.OpenAsync();
        return await run(conn);
    }

    /// <summary>Checks that the case took the strategy it is about.</summary>
    private static void Expect(string shape, string options, Strategy s)
    {
        Assert.Equal(options == "side connections", s.Concurrent);
        switch (shape)
        {
            case "nothing rewritten":
                Assert.Equal(Strategy.SmallClassRemoval.DeletedInPlace, s.SmallClasses);
                return;
            case "shuffled across the table":
                Assert.Equal((Strategy.SmallClassRemoval.LeftOut, 0, 4), (s.SmallClasses, s.AcrossInMemory, s.AcrossThroughTables));
                return;
            case "generalized, suppressed, shuffled within classes":
                Assert.Equal((0, 0, Strategy.Writing.None), (s.AcrossInMemory, s.AcrossThroughTables, s.Qit));
                return;
        }
        var held = shape == "anatomy with held shuffles" && options is not "nothing held";
        Assert.Equal(held ? 4 : 0, s.AcrossInMemory);
        Assert.Equal(options is "nothing held" or "sorted by value" ? Strategy.AnatomyReading.SortedByValue : Strategy.AnatomyReading.TableOrder, s.Reading);
        Assert.Equal(options is "nothing held" or "ST by query" ? Strategy.Writing.Query : Strategy.Writing.Dealt, s.St);
        Assert.Equal(options is "nothing held" or "ST by query" ? Strategy.Measuring.Query : Strategy.Measuring.Counted, s.LReached);
        var qitDealt = shape != "anatomy with text shuffles" && options is not ("nothing held" or "QIT by query" or "ST by query");
        Assert.Equal(qitDealt ? Strategy.Writing.Dealt : Strategy.Writing.Query, s.Qit);
    }

    /// <summary>Everything a run publishes, as text: each output table, the rejects, the counts and the report.</summary>
    private static async Task<string> OutputsAsync(StagedTable t, AnonymizationResult result)
    {
        var outputs = new List<string> { JsonSerializer.Serialize(result.Tables), $"{result.RowsIn} in, {result.RowsOut} out, {result.RowsRejected} rejected" };
        foreach (var table in result.Tables)
            outputs.Add(await t.DumpAsync(table.Name));
        outputs.Add(await t.ScalarTextAsync($"SELECT coalesce(string_agg(concat_ws(',', rule, column_name, reason, row_id, record::text), '|' ORDER BY row_id, rule), '') FROM {t.Rejects}") ?? "");
        outputs.Add(JsonSerializer.Serialize(result.Report));
        return string.Join("\n", outputs);
    }
}
