using EtlStudio.Core.Scripts;
using EtlStudio.Tests.Infrastructure;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

public sealed class GeneralizationTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Width10_TurnsIntegersIntoIntervals_AndTheColumnIntoText()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("age", FieldType.Integer, new GeneralizationParameters(10, null, null, null)), Plain("name", FieldType.String)],
            "VALUES (1, 37, 'a'), (2, 30, 'b'), (3, 39, 'c'), (4, 40, 'd'), (5, -3, 'e'), (6, NULL, 'f')");

        var result = await t.AnonymizeAsync();

        Assert.Equal(["30-39", "30-39", "30-39", "40-49", "-10--1", null], await t.ColumnAsync("age"));
        Assert.Equal(["a", "b", "c", "d", "e", "f"], await t.ColumnAsync("name"));
        var table = Assert.Single(result.Tables);
        Assert.Equal([new("age", FieldType.String), new("name", FieldType.String)], table.Columns);
        Assert.Equal((6L, 6L, 0L), (result.RowsIn, result.RowsOut, result.RowsRejected));
        Assert.Equal("text", await t.ScalarTextAsync($"SELECT data_type FROM information_schema.columns WHERE table_schema = '{t.Schema}' AND column_name = 'age'"));
    }

    [Fact]
    public async Task Width_OnIntegers_NearTheLargestAndSmallestBigint_GivesTheirIntervalsWithoutOverflow()
    {
        // The intervals are worked out in bigint arithmetic, except within a width of either end, where a bound would overflow.
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("n", FieldType.Integer, new GeneralizationParameters(10, null, null, null))],
            "VALUES (1, 9223372036854775807), (2, 9223372036854775799), (3, 9223372036854775798), (4, -9223372036854775808), (5, -9223372036854775801), (6, -9223372036854775798)");

        await t.AnonymizeAsync();

        Assert.Equal(["9223372036854775800-9223372036854775809", "9223372036854775790-9223372036854775799", "9223372036854775790-9223372036854775799",
                      "-9223372036854775810--9223372036854775801", "-9223372036854775810--9223372036854775801", "-9223372036854775800--9223372036854775791"],
            await t.ColumnAsync("n"));
    }

    [Fact]
    public async Task Width_OnDoubles_GivesHalfOpenIntervalsWithoutBinaryNoise()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("w", FieldType.Double, new GeneralizationParameters(10, null, null, null)), With("x", FieldType.Double, new GeneralizationParameters(0.1, null, null, null))],
            "VALUES (1, 37.5, 0.35), (2, 40, 0.3), (3, -0.5, 1.05)");

        await t.AnonymizeAsync();

        Assert.Equal(["[30,40)", "[40,50)", "[-10,0)"], await t.ColumnAsync("w"));
        Assert.Equal(["[0.3,0.4)", "[0.3,0.4)", "[1,1.1)"], await t.ColumnAsync("x"));
    }

    [Fact]
    public async Task Truncate_KeepsTheDateType_AndCutsToYearMonthOrDay()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("y", FieldType.Date, new GeneralizationParameters(null, DateTruncation.Year, null, null)),
             With("m", FieldType.Date, new GeneralizationParameters(null, DateTruncation.Month, null, null)),
             With("d", FieldType.DateTime, new GeneralizationParameters(null, DateTruncation.Day, null, null))],
            "VALUES (1, date '2024-05-17', date '2024-05-17', timestamptz '2024-05-17 13:45:00+00')");

        var result = await t.AnonymizeAsync();

        Assert.Equal(new DateOnly(2024, 1, 1), (await t.ColumnAsync("y"))[0]);
        Assert.Equal(new DateOnly(2024, 5, 1), (await t.ColumnAsync("m"))[0]);
        Assert.Equal(new DateTime(2024, 5, 17, 0, 0, 0, DateTimeKind.Utc), (await t.ColumnAsync("d"))[0]);
        Assert.Equal([FieldType.Date, FieldType.Date, FieldType.DateTime], result.Tables[0].Columns.Select(c => c.Type));
    }

    [Fact]
    public async Task Prefix3_KeepsThreeCharactersAndMasksTheRest()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("zip", FieldType.String, new GeneralizationParameters(null, null, 3, null))],
            "VALUES (1, '12345'), (2, 'ab'), (3, NULL), (4, '123')");

        await t.AnonymizeAsync();

        Assert.Equal(["123**", "ab", null, "123"], await t.ColumnAsync("zip"));
    }

    [Fact]
    public async Task Groups_MapValuesToTheirGroup_AndUnmappedValuesToAStar()
    {
        var groups = new Dictionary<string, string> { ["flu"] = "respiratory", ["asthma"] = "respiratory", ["7"] = "seven" };
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("diagnosis", FieldType.String, new GeneralizationParameters(null, null, null, groups)),
             With("n", FieldType.Integer, new GeneralizationParameters(null, null, null, groups))],
            "VALUES (1, 'flu', 7), (2, 'asthma', 8), (3, 'gout', NULL)");

        var result = await t.AnonymizeAsync();

        Assert.Equal(["respiratory", "respiratory", "*"], await t.ColumnAsync("diagnosis"));
        Assert.Equal(["seven", "*", null], await t.ColumnAsync("n"));
        Assert.Equal(FieldType.String, result.Tables[0].Columns[1].Type);
    }
}
