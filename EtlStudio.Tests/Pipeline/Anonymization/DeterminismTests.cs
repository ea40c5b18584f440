using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Npgsql;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>Run recovery re-runs the step on a re-staged table with the run's seed and must get the very same output.</summary>
public sealed class DeterminismTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private const string Rows = "SELECT g, CASE WHEN g = 7 THEN 'rare' ELSE (g % 5)::text END, 20 + g % 50, CASE WHEN g % 2 = 0 THEN 'flu' ELSE 'd' || (g % 9) END, g * 1.5, date '2020-01-01' + g FROM generate_series(1, 300) g";

    private static IReadOnlyList<ResolvedColumn> Everything(AnonymizationParameters sensitive) =>
    [
        Plain("zip", FieldType.String, qi: true),
        With("age", FieldType.Integer, new GeneralizationParameters(10, null, null, null), qi: true),
        With("disease", FieldType.String, sensitive, sensitive: true),
        With("income", FieldType.Double, new PerturbationParameters(NoiseDistribution.Gaussian, 2, null)),
        With("born", FieldType.Date, new PerturbationParameters(null, null, 30)),
    ];

    [Fact]
    public async Task SameSeed_GivesIdenticalOutput_ForEveryMethod()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString, Everything(new AnatomizationParameters(3)), Rows);
        var privacy = new PrivacySettings(4, null, null);

        var first = await t.AnonymizeAsync(123, privacy);
        var dumps = (await t.DumpAsync("people_qit"), await t.DumpAsync("people_st"), await RejectsAsync(t));
        await t.RecreateAsync();
        var second = await t.AnonymizeAsync(123, privacy);

        Assert.Equal(dumps, (await t.DumpAsync("people_qit"), await t.DumpAsync("people_st"), await RejectsAsync(t)));
        Assert.Contains("l-diversity", dumps.Item3);
        Assert.Contains("k-anonymity", dumps.Item3);
        Assert.Equal(first.Report with { Sensitive = [], QuasiIdentifiers = [] }, second.Report with { Sensitive = [], QuasiIdentifiers = [] });
        Assert.Equal(first.Report.Sensitive, second.Report.Sensitive);
        Assert.Equal((first.RowsOut, first.RowsRejected), (second.RowsOut, second.RowsRejected));
    }

    [Fact]
    public async Task SamePermutationSeed_Repeats_AndAnotherSeedShufflesDifferently()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString, Everything(new PermutationParameters(false)), Rows);

        await t.AnonymizeAsync(1);
        var one = await t.DumpAsync();
        await t.RecreateAsync();
        await t.AnonymizeAsync(1);
        var again = await t.DumpAsync();
        await t.RecreateAsync();
        await t.AnonymizeAsync(2);
        var other = await t.ColumnAsync("disease");
        await t.RecreateAsync();
        await t.AnonymizeAsync(1);

        Assert.Equal(one, again);
        Assert.NotEqual(await t.ColumnAsync("disease"), other);
    }

    private static async Task<string> RejectsAsync(StagedTable t) =>
        (await t.QueryAsync($"SELECT string_agg(concat_ws(',', rule, column_name, reason, row_id, record::text), '|' ORDER BY row_id, rule) FROM {t.Rejects}"))[0][0] as string ?? "";
}
