using EtlStudio.Core.Scripts;
using EtlStudio.Tests.Infrastructure;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

public sealed class PermutationTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private const string Rows = "SELECT g, (g % 7)::text, CASE WHEN g % 13 = 0 THEN NULL ELSE g * 3 % 101 END, 'n' || g FROM generate_series(1, 300) g";

    [Theory]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(-77L)]
    public async Task TheMultisetOfValuesIsKept_WhileRecordsGetOtherValues(long seed)
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), With("salary", FieldType.Integer, new PermutationParameters(false)), Plain("name", FieldType.String)], Rows);
        var before = await t.ColumnAsync("salary");

        var result = await t.AnonymizeAsync(seed);

        var after = await t.ColumnAsync("salary");
        Assert.Equal(before.OrderBy(x => x), after.OrderBy(x => x));
        Assert.True(before.Zip(after).Count(p => !Equals(p.First, p.Second)) > 200, "a shuffle moves most values");
        // The other columns stay with their records.
        Assert.Equal(300L, await t.ScalarAsync($"SELECT count(*) FROM {t.Table()} WHERE name = 'n' || _row AND zip = (_row % 7)::text"));
        Assert.Equal(FieldType.Integer, result.Tables[0].Columns[1].Type);
    }

    [Theory]
    [InlineData(5L)]
    [InlineData(6L)]
    public async Task WithinGroups_KeepsTheMultisetOfEveryClass(long seed)
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), With("salary", FieldType.Integer, new PermutationParameters(true)), Plain("name", FieldType.String)],
            Rows + " UNION ALL SELECT 1000 + g, NULL, g, 'x' FROM generate_series(1, 5) g");
        var before = await t.QueryAsync($"SELECT zip, salary FROM {t.Table()}");

        await t.AnonymizeAsync(seed);

        var after = await t.QueryAsync($"SELECT zip, salary FROM {t.Table()}");
        static IEnumerable<string> PerClass(List<object?[]> rows) => rows.Select(r => $"{r[0] ?? "(null)"}:{r[1] ?? "(null)"}").Order(StringComparer.Ordinal);
        Assert.Equal(PerClass(before), PerClass(after));
        var moved = await t.ScalarAsync($"SELECT count(*) FROM {t.Table()} WHERE salary IS DISTINCT FROM (CASE WHEN _row % 13 = 0 THEN NULL ELSE _row * 3 % 101 END) AND _row < 1000");
        Assert.True(moved > 200, $"only {moved} values moved within their classes");
    }
}
