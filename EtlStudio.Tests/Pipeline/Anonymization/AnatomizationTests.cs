using EtlStudio.Core.Common;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

public sealed class AnatomizationTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task ATableBecomesQitAndSt_WithTheExcessOfAFrequentValueRejected()
    {
        // flu ×3, cold, hiv with l = 2: G = 2 groups hold flu at most twice, so one flu record goes.
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("id", FieldType.Integer), Plain("zip", FieldType.String, qi: true), With("disease", FieldType.String, new AnatomizationParameters(2), sensitive: true)],
            "VALUES (1, 11, '101', 'flu'), (2, 12, '101', 'flu'), (3, 13, '102', 'flu'), (4, 14, '102', 'cold'), (5, 15, '103', 'hiv')");

        var result = await t.AnonymizeAsync(primaryKey: "id");

        Assert.Equal(["people_qit", "people_st"], result.Tables.Select(x => x.Name));
        Assert.All(result.Tables, x => Assert.Equal("people", x.SourceTable));
        Assert.Equal([new("id", FieldType.Integer), new("zip", FieldType.String), new("group_id", FieldType.Integer)], result.Tables[0].Columns);
        Assert.Equal([new("group_id", FieldType.Integer), new("disease", FieldType.String), new("count", FieldType.Integer)], result.Tables[1].Columns);
        Assert.Equal(("id", (string?)null), (result.Tables[0].PrimaryKey, result.Tables[1].PrimaryKey));
        Assert.Equal((5L, 4L, 1L), (result.RowsIn, result.RowsOut, result.RowsRejected));
        Assert.Equal(0L, await t.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = '{t.Schema}' AND tablename = 'people'"));

        var reject = Assert.Single(await t.QueryAsync($"SELECT rule, column_name, reason, record->>'disease' FROM {t.Rejects}"));
        Assert.Equal(["l-diversity", "disease", "sensitive value occurs 3 times but 2 groups of l=2 hold it at most 2 times", "flu"], reject);
        var st = await t.QueryAsync($"SELECT group_id, disease, count FROM {t.Table("people_st")} ORDER BY group_id, disease");
        Assert.Equal(4, st.Count);
        Assert.All(st, row => Assert.Equal(1L, row[2]));
        Assert.Equal([2L, 2L], (await t.QueryAsync($"SELECT count(DISTINCT disease) FROM {t.Table("people_st")} GROUP BY group_id ORDER BY 1")).Select(r => r[0]));
        Assert.Equal([2L, 2L], (await t.QueryAsync($"SELECT count(*) FROM {t.Table("people_qit")} GROUP BY group_id ORDER BY 1")).Select(r => r[0]));

        var sensitive = Assert.Single(result.Report.Sensitive);
        Assert.Equal(new SensitiveColumnReport("disease", 2, 2), sensitive);
        Assert.Equal((1L, 3L), (result.Report.KReached, result.Report.ClassCount));
    }

    [Fact]
    public async Task FewerDistinctValuesThanL_RejectsEveryRecord()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), With("disease", FieldType.String, new AnatomizationParameters(3), sensitive: true)],
            "VALUES (1, '1', 'flu'), (2, '2', 'cold'), (3, '3', 'flu')");

        var result = await t.AnonymizeAsync();

        Assert.Equal((0L, 3L), (result.RowsOut, result.RowsRejected));
        Assert.Equal(3L, await t.ScalarAsync($"SELECT count(*) FROM {t.Rejects} WHERE reason = 'fewer than l=3 distinct sensitive values to form a group'"));
        Assert.Equal(new SensitiveColumnReport("disease", 3, null), Assert.Single(result.Report.Sensitive));
    }

    [Fact]
    public async Task TheTasksL_RaisesTheColumnsL()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), With("disease", FieldType.String, new AnatomizationParameters(2), sensitive: true)],
            "SELECT g, (g % 4)::text, 'd' || g FROM generate_series(1, 12) g");

        var result = await t.AnonymizeAsync(privacy: new PrivacySettings(null, 3, null));

        Assert.Equal(4L, await t.ScalarAsync($"SELECT count(DISTINCT group_id) FROM {t.Table("people_qit")}"));
        Assert.Equal(new SensitiveColumnReport("disease", 3, 3), Assert.Single(result.Report.Sensitive));
    }

    [Fact]
    public async Task TwoAnatomizedColumns_AreRefused()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("a", FieldType.String, new AnatomizationParameters(2), sensitive: true), With("b", FieldType.String, new AnatomizationParameters(2), sensitive: true)],
            "VALUES (1, 'x', 'y')");

        var e = await Assert.ThrowsAsync<DomainException>(() => t.AnonymizeAsync());
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
    }

    // Generated tables: a frequent value (every third record) over a spread of rarer ones, and a NULL now and then.
    [Theory]
    [InlineData(300, 2, 3, 1L)]
    [InlineData(400, 3, 2, 2L)]
    [InlineData(500, 5, 4, 3L)]
    [InlineData(257, 4, 7, 4L)]
    // More distinct values than are held at once: the records are read sorted by value.
    [InlineData(140_000, 2, 3, 5L, 100_003)]
    // The l reached read from ST by a query, as with more groups than are counted while they are dealt.
    [InlineData(300, 2, 3, 1L, 31, false)]
    [InlineData(500, 5, 4, 3L, 31, false)]
    public async Task EveryGroupHasLDistinctValues_AndQitJoinStGivesBackTheCounts(int n, int l, int skew, long seed, int spread = 31, bool countGroups = true)
    {
        var rows = $"SELECT g, (g % 11)::text, CASE WHEN g % {skew} = 0 THEN 'common' WHEN g % 37 = 0 THEN NULL ELSE 'v' || (g * 7919 % {spread}) END FROM generate_series(1, {n}) g";
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [Plain("zip", FieldType.String, qi: true), With("disease", FieldType.String, new AnatomizationParameters(l), sensitive: true)], rows);

        var result = await t.AnonymizeAsync(seed, anonymizer: countGroups ? null : TableAnonymizer.With(new AnonymizationOptions { CountedGroups = 0 }));

        var qit = t.Table("people_qit");
        var st = t.Table("people_st");
        // l-diversity in every group, and the report says so.
        var fewest = await t.ScalarAsync($"SELECT min(c) FROM (SELECT count(*) AS c FROM {st} GROUP BY group_id) x");
        Assert.True(fewest >= l, $"a group has {fewest} < l={l} distinct values");
        Assert.Equal(0L, await t.ScalarAsync($"SELECT count(*) FROM (SELECT 1 FROM {st} GROUP BY group_id, disease HAVING count(*) > 1) x"));
        Assert.Equal(fewest, Assert.Single(result.Report.Sensitive).LReached);
        // Each group's size in QIT equals the sum of its counts in ST.
        Assert.Equal(0L, await t.ScalarAsync($"""
            SELECT count(*) FROM (SELECT group_id, count(*) AS c FROM {qit} GROUP BY group_id) q
            FULL JOIN (SELECT group_id, sum(count) AS c FROM {st} GROUP BY group_id) s USING (group_id)
            WHERE q.c IS DISTINCT FROM s.c
            """));
        // Per value, the published counts plus the rejected records give back the input's counts (NULL as a value).
        Assert.Equal(0L, await t.ScalarAsync($"""
            SELECT count(*) FROM (SELECT v FROM (
                SELECT coalesce(disease, '(null)') AS v, count(*) AS c FROM ({rows}) x(_row, zip, disease) GROUP BY 1
                UNION ALL SELECT coalesce(disease, '(null)'), -sum(count) FROM {st} GROUP BY 1
                UNION ALL SELECT coalesce(record->>'disease', '(null)'), -count(*) FROM {t.Rejects} GROUP BY 1) u
            GROUP BY v HAVING sum(c) <> 0) z
            """));
        Assert.Equal(n, result.RowsOut + result.RowsRejected);
        Assert.Equal(result.RowsOut, await t.ScalarAsync($"SELECT count(*) FROM {qit}"));
        // G is the most groups possible: one more would not leave l·G records after capping every value at G.
        var groups = await t.ScalarAsync($"SELECT count(DISTINCT group_id) FROM {qit}");
        var capped = await t.ScalarAsync($"SELECT sum(least(c, {groups + 1})) FROM (SELECT count(*) AS c FROM ({rows}) x(_row, zip, disease) GROUP BY disease) h");
        Assert.True(capped < l * (groups + 1), $"{groups + 1} groups would also have worked");
        // Only values over the cap lose records, and each keeps exactly G of them.
        Assert.Equal(0L, await t.ScalarAsync($"""
            SELECT count(*) FROM (SELECT coalesce(disease, '(null)') AS v, count(*) AS c FROM ({rows}) x(_row, zip, disease) GROUP BY 1) i
            LEFT JOIN (SELECT coalesce(disease, '(null)') AS v, sum(count) AS c FROM {st} GROUP BY 1) s USING (v)
            WHERE coalesce(s.c, 0) <> least(i.c, {groups})
            """));
    }
}
