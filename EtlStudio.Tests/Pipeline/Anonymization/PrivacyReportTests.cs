using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

public sealed class PrivacyReportTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task WithoutAnyMethod_TheReportMeasuresClassesAndDistinctSensitiveValues_CountingNullAsAValue()
    {
        // Classes: (a, NULL) ×3 with diseases flu, NULL, cold → 3 distinct; (b, 1) ×2 with flu, flu → 1 distinct.
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), Plain("age", FieldType.Integer, qi: true), Plain("disease", FieldType.String, sensitive: true), Plain("note", FieldType.String)],
            "VALUES (1, 'a', NULL, 'flu', 'x'), (2, 'a', NULL, NULL, 'y'), (3, 'a', NULL, 'cold', 'z'), (4, 'b', 1, 'flu', 'x'), (5, 'b', 1, 'flu', 'y')");

        var result = await t.AnonymizeAsync(privacy: new PrivacySettings(null, 2, null));

        var r = result.Report;
        Assert.Equal(("people", (int?)null, 2L, 2L, 0L), (r.Table, r.KRequested, r.KReached, r.ClassCount, r.RecordsSuppressed));
        Assert.Equal(0.5, r.MaxRisk);
        Assert.Equal(2.0 / 5, r.AverageRisk);
        Assert.Equal(new SensitiveColumnReport("disease", 2, 1), Assert.Single(r.Sensitive));
        Assert.Equal((5L, 5L, 0L), (result.RowsIn, result.RowsOut, result.RowsRejected));
    }

    [Fact]
    public async Task AnEmptyTable_ReportsNoClassesAndNoRisk()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), Plain("disease", FieldType.String, sensitive: true)], "SELECT 1, 'a', 'b' WHERE false");

        var r = (await t.AnonymizeAsync(privacy: new PrivacySettings(3, null, null))).Report;

        Assert.Equal(((long?)null, 0L, (double?)null, (double?)null), (r.KReached, r.ClassCount, r.MaxRisk, r.AverageRisk));
        Assert.Null(Assert.Single(r.Sensitive).LReached);
    }

    [Fact]
    public async Task SensitiveColumnsWithoutQuasiIdentifiers_AreMeasuredOverTheWholeTable()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("disease", FieldType.String, sensitive: true)], "VALUES (1, 'flu'), (2, 'cold'), (3, 'flu')");

        var r = (await t.AnonymizeAsync()).Report;

        Assert.Empty(r.QuasiIdentifiers);
        Assert.Equal(new SensitiveColumnReport("disease", null, 2), Assert.Single(r.Sensitive));
    }

    // Generated tables with classes of many sizes; k from the task, generalization coarsening one quasi-identifier.
    [Theory]
    [InlineData(2, 10L)]
    [InlineData(3, 11L)]
    [InlineData(5, 12L)]
    [InlineData(8, 13L)]
    public async Task KReached_IsAtLeastK_AndMatchesTheClassesOfTheOutput(int k, long seed)
    {
        var rows = "SELECT g, (g * g) % 17, CASE WHEN g % 23 = 0 THEN NULL ELSE (g * 31) % 7 END::text, 'd' || g % 4 FROM generate_series(1, 350) g";
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("age", FieldType.Integer, new GeneralizationParameters(5, null, null, null), qi: true), Plain("zip", FieldType.String, qi: true),
             With("disease", FieldType.String, new PermutationParameters(true), sensitive: true)], rows);
        // Computed independently of the anonymizer: the records of classes under k once ages are cut into fives.
        var expectedSuppressed = await t.ScalarAsync(
            $"SELECT coalesce(sum(c), 0) FROM (SELECT count(*) AS c FROM ({rows}) x(_row, age, zip, d) GROUP BY floor(age / 5.0), zip HAVING count(*) < {k}) z");

        var result = await t.AnonymizeAsync(seed, new PrivacySettings(k, null, null));

        var r = result.Report;
        var measured = (await t.QueryAsync($"SELECT min(c), count(*), sum(c) FROM (SELECT count(*) AS c FROM {t.Table()} GROUP BY age, zip) x"))[0];
        Assert.Equal((long)measured[0]!, r.KReached);
        Assert.True(r.KReached >= k, $"k reached {r.KReached} < {k}");
        Assert.Equal((long)measured[1]!, r.ClassCount);
        Assert.Equal(1.0 / r.KReached, r.MaxRisk);
        Assert.Equal((double)r.ClassCount / result.RowsOut, r.AverageRisk!.Value, 12);
        Assert.Equal(350 - result.RowsOut, r.RecordsSuppressed);
        Assert.Equal(r.RecordsSuppressed, await t.ScalarAsync($"SELECT count(*) FROM {t.Rejects} WHERE rule = 'k-anonymity'"));
        Assert.Equal(expectedSuppressed, r.RecordsSuppressed);
    }
}
