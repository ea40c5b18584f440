using System.Text.Json;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

public sealed class SuppressionTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Values_AreReplacedInText_AndNulledInOtherTypes()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("name", FieldType.String, new SuppressionParameters("*", null)),
             With("nick", FieldType.String, new SuppressionParameters(null, null)),
             With("age", FieldType.Integer, new SuppressionParameters("*", null))],
            "VALUES (1, 'Ann', 'annie', 31), (2, NULL, 'bo', 40)");

        var result = await t.AnonymizeAsync();

        Assert.Equal(["*", null], await t.ColumnAsync("name"));
        Assert.Equal([null, null], await t.ColumnAsync("nick"));
        Assert.Equal([null, null], await t.ColumnAsync("age"));
        Assert.Equal([FieldType.String, FieldType.String, FieldType.Integer], result.Tables[0].Columns.Select(c => c.Type));
    }

    [Fact]
    public async Task K2_RemovesTheLoneClass_IntoRejects_AndReportsK2()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("zip", FieldType.String, new SuppressionParameters("*", 2), qi: false), Plain("city", FieldType.String, qi: true), Plain("age", FieldType.Integer, qi: true)],
            "VALUES (1, '10115', 'Berlin', 30), (2, '10117', 'Berlin', 30), (3, '20095', 'Hamburg', 41), (4, '20097', 'Hamburg', 41), (5, '20099', 'Hamburg', 41), (6, '80331', 'Munich', 50)");

        var result = await t.AnonymizeAsync(primaryKey: "zip");

        Assert.Equal([1L, 2L, 3L, 4L, 5L], (await t.ColumnAsync("_row")).Cast<long>());
        Assert.Equal((6L, 5L, 1L), (result.RowsIn, result.RowsOut, result.RowsRejected));
        var reject = Assert.Single(await t.QueryAsync($"SELECT step, table_name, rule, column_name, reason, row_id, record::text FROM {t.Rejects}"));
        Assert.Equal(["Anonymize", "people", "k-anonymity", null, "equivalence class of 1 < k=2", 6L], reject[..6]);
        var record = JsonDocument.Parse((string)reject[6]!).RootElement;
        Assert.Equal("Munich", record.GetProperty("city").GetString());
        Assert.Equal("80331", record.GetProperty("zip").GetString());  // as staged, like every step's rejects

        var report = result.Report;
        Assert.Equal(["city", "age"], report.QuasiIdentifiers);
        Assert.Equal((2, 2L, 2L, 1L), (report.KRequested, report.KReached, report.ClassCount, report.RecordsSuppressed));
        Assert.Equal(0.5, report.MaxRisk);
        Assert.Equal(2.0 / 5, report.AverageRisk);
        Assert.Equal("zip", result.Tables[0].PrimaryKey);
    }

    [Fact]
    public async Task TheLargerOfTheColumnsKAndTheTasksK_Applies()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("zip", FieldType.String, new SuppressionParameters("*", 2)), Plain("city", FieldType.String, qi: true)],
            "VALUES (1, 'a', 'Berlin'), (2, 'b', 'Berlin'), (3, 'c', 'Hamburg'), (4, 'd', 'Hamburg'), (5, 'e', 'Hamburg')");

        var result = await t.AnonymizeAsync(privacy: new PrivacySettings(3, null, null));

        Assert.Equal(["Hamburg", "Hamburg", "Hamburg"], await t.ColumnAsync("city"));
        Assert.Equal((3, 3L, 1L, 2L), (result.Report.KRequested, result.Report.KReached, result.Report.ClassCount, result.Report.RecordsSuppressed));
        Assert.Equal(1.0 / 3, result.Report.MaxRisk);
    }

    [Fact]
    public async Task Classes_AreFormedAfterGeneralization_AndNullIsOneValue()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("age", FieldType.Integer, new GeneralizationParameters(10, null, null, null), qi: true), Plain("sex", FieldType.String, qi: true)],
            "VALUES (1, 31, 'f'), (2, 38, 'f'), (3, 33, NULL), (4, 35, NULL), (5, 52, 'm')");

        var result = await t.AnonymizeAsync(privacy: new PrivacySettings(2, null, null));

        Assert.Equal([1L, 2L, 3L, 4L], (await t.ColumnAsync("_row")).Cast<long>());
        Assert.Equal((2L, 2L, 1L), (result.Report.KReached, result.Report.ClassCount, result.Report.RecordsSuppressed));
    }

    [Fact]
    public async Task ARetriedStep_ReplacesItsOwnRejects_AndLeavesOtherStepsRejects()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("city", FieldType.String, qi: true)], "VALUES (1, 'Berlin'), (2, 'Berlin'), (3, 'Bonn')");
        await t.QueryAsync($"INSERT INTO {t.Rejects} (step, table_name, rule, reason, record) VALUES ('clean', 'people', 'RemoveEmpty', 'empty', '{{}}') RETURNING id");
        var privacy = new PrivacySettings(2, null, null);

        await t.AnonymizeAsync(privacy: privacy);
        await t.RecreateAsync();
        var again = await t.AnonymizeAsync(privacy: privacy);

        Assert.Equal(1L, again.RowsRejected);
        Assert.Equal(1L, await t.ScalarAsync($"SELECT count(*) FROM {t.Rejects} WHERE step = 'Anonymize'"));
        Assert.Equal(1L, await t.ScalarAsync($"SELECT count(*) FROM {t.Rejects} WHERE step = 'clean'"));
    }

    [Fact]
    public async Task WithoutQuasiIdentifiers_KRemovesNothing_AndTheReportSaysNoClasses()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString, [Plain("city", FieldType.String)], "VALUES (1, 'Berlin')");

        var result = await t.AnonymizeAsync(privacy: new PrivacySettings(5, null, null));

        Assert.Equal(1L, result.RowsOut);
        Assert.Equal((5, (long?)null, 0L, (double?)null), (result.Report.KRequested, result.Report.KReached, result.Report.ClassCount, result.Report.MaxRisk));
        Assert.Empty(result.Report.Sensitive);
    }
}
