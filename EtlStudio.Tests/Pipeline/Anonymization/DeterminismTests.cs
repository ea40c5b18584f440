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
    public async Task St_WrittenAsTheRecordsAreDealt_IsTheStTheQueryWritesAfter()
    {
        // NULL is a value of its own.
        var t = await StagedTable.CreateAsync(db.ConnectionString, Everything(new AnatomizationParameters(3)),
            Rows.Replace("WHEN g % 2 = 0 THEN 'flu'", "WHEN g % 17 = 0 THEN NULL WHEN g % 2 = 0 THEN 'flu'"));
        var privacy = new PrivacySettings(4, null, null);
        var dealt = await t.AnonymizeAsync(5, privacy);
        var st = await t.QueryAsync($"SELECT _row, group_id, disease, count FROM {t.Table("people_st")} ORDER BY _row");
        var qit = await t.DumpAsync("people_qit");

        await t.RecreateAsync();
        var queried = await t.AnonymizeAsync(5, privacy, anonymizer: new TableAnonymizer(stValuesHeld: 0));

        Assert.Equal(st, await t.QueryAsync($"SELECT _row, group_id, disease, count FROM {t.Table("people_st")} ORDER BY _row"));
        Assert.Equal(qit, await t.DumpAsync("people_qit"));
        Assert.Equal(dealt.Report.Sensitive, queried.Report.Sensitive);
        Assert.True(st.Count > 10);
        Assert.Contains(st, r => r[2] is null or DBNull);
    }

    [Fact]
    public async Task OnSideConnections_ThePhasesGiveTheSameOutput_AsOnTheStepsConnectionAlone()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [.. Everything(new AnatomizationParameters(3)), With("score", FieldType.Integer, new PermutationParameters(true))],
            Rows.Replace(" FROM generate_series", ", g % 13 FROM generate_series"));
        var privacy = new PrivacySettings(4, null, null);
        await t.AnonymizeAsync(7, privacy);
        var alone = (await t.DumpAsync("people_qit"), await t.DumpAsync("people_st"), await RejectsAsync(t));

        await t.RecreateAsync();
        await using var source = NpgsqlDataSource.Create(db.ConnectionString);
        var prepared = 0;
        var side = new SideConnections(source, (_, _) => { Interlocked.Increment(ref prepared); return Task.CompletedTask; });
        await using (var conn = await t.OpenAsync())
            await new TableAnonymizer().ApplyAsync(conn, t.Request(7, privacy), CancellationToken.None, side);

        Assert.True(prepared >= 2, "the phases ran on side connections");
        Assert.Equal(alone, (await t.DumpAsync("people_qit"), await t.DumpAsync("people_st"), await RejectsAsync(t)));
        Assert.Contains("l-diversity", alone.Item3);
        Assert.Contains("k-anonymity", alone.Item3);
        Assert.Equal(0L, await t.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = '{t.Schema}' AND tablename LIKE '\\_\\_%'"));
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
