using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Tests.Outbox;

/// <summary>Page maps (issue #8): a page read through the map must be exactly the page the plain OFFSET query gives.</summary>
public sealed class OutboxPageMapTests(OutboxCore core) : IClassFixture<OutboxCore>
{
    private OutboxService Outbox => core.Get<OutboxService>();

    private static readonly string?[] Sorts = [null, "_row", "id", "rn", "n", "x", "d", "flag"];

    /// <summary>
    /// things(id, rn, n, x, d, flag): many duplicates and nulls in every column but id, empty strings in rn — and a column
    /// named like the map's own row number.
    /// </summary>
    internal static StagedTable Things(int count) => new("things",
        [new("id", FieldType.Integer), new("rn", FieldType.String), new("n", FieldType.Integer), new("x", FieldType.Double), new("d", FieldType.Date), new("flag", FieldType.Boolean)],
        "id",
        Enumerable.Range(1, count).Select(i => new object?[]
        {
            (long)i, i % 7 == 0 ? null : i % 11 == 0 ? "" : $"w{i % 13}", i % 5 == 0 ? null : (long)(i % 17),
            i % 6 == 0 ? null : (i * 37 % 23) / 4.0 - 2, i % 9 == 0 ? null : new DateOnly(2000 + i % 4, 1 + i % 3, 1), i % 4 == 0 ? null : i % 3 == 0,
        }).ToList());

    private static readonly Func<Random, OutboxFilter>[] Filters =
    [
        r => new("n", OutboxFilterOp.Between, r.Next(0, 8).ToString(), r.Next(6, 17).ToString()),
        r => new("n", OutboxFilterOp.Equals, r.Next(0, 17).ToString()),
        r => new("n", OutboxFilterOp.NotEquals, r.Next(0, 17).ToString()),
        r => new("n", OutboxFilterOp.GreaterThan, r.Next(0, 17).ToString()),
        r => new("rn", OutboxFilterOp.Equals, "w" + r.Next(0, 13)),
        r => new("rn", OutboxFilterOp.Contains, r.Next(0, 10).ToString()),
        r => new("rn", OutboxFilterOp.StartsWith, "w1"),
        _ => new("rn", OutboxFilterOp.IsEmpty),
        _ => new("rn", OutboxFilterOp.IsNotEmpty),
        r => new("x", OutboxFilterOp.LessOrEqual, (r.Next(-8, 13) / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        _ => new("x", OutboxFilterOp.Between, "-1", "1.5"),
        _ => new("d", OutboxFilterOp.GreaterOrEqual, "2001-02-01"),
        _ => new("d", OutboxFilterOp.IsEmpty),
        r => new("flag", OutboxFilterOp.Equals, r.Next(2) == 0 ? "true" : "false"),
        _ => new("flag", OutboxFilterOp.IsNotEmpty),
        r => new("id", OutboxFilterOp.LessThan, r.Next(1, 300).ToString()),
    ];

    [Fact]
    public async Task Pages_through_a_page_map_equal_offset_pages_for_random_filters_sorts_directions_and_pages()
    {
        var (w, run) = await StageAsync(Things(263));
        var random = new Random(8);
        for (var i = 0; i < 200; i++)
        {
            var filters = Enumerable.Range(0, random.Next(0, 3)).Select(_ => Filters[random.Next(Filters.Length)](random)).ToList();
            var size = random.Next(1, 30);
            var query = new OutboxQuery(random.Next(1, 263 / size + 3), size, Sorts[random.Next(Sorts.Length)], random.Next(2) == 0, filters);

            var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset);
            var mapped = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);

            var what = $"case {i}: {query.OrderBy ?? "(row)"} {(query.Descending ? "desc" : "asc")}, page {query.Page} of {size}, "
                       + string.Join(" and ", filters.Select(f => $"{f.Column} {f.Op} {f.Value} {f.Value2}"));
            Assert.True(offset.Total == mapped.Total, $"{what}: total {mapped.Total}, not {offset.Total}");
            Assert.True(Rows(offset).SequenceEqual(Rows(mapped)), $"{what}: rows [{string.Join(", ", Rows(mapped))}], not [{string.Join(", ", Rows(offset))}]");
        }
        Assert.InRange(await MapsAsync(run), 1, 8);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nulls_in_the_sort_column_come_last_ascending_and_first_descending_as_in_the_plain_query(bool descending)
    {
        var (w, run) = await StageAsync(Things(80));
        var query = new OutboxQuery(1, 80, "n", descending, [new("flag", OutboxFilterOp.IsNotEmpty)]);

        var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);

        var kept = Things(80).Rows.Where(r => r[5] is not null).Select(r => (Id: (long)r[0]!, N: (long?)r[2])).ToList();
        // PostgreSQL: nulls are larger than any value; ties by row id in the same direction.
        var expected = descending
            ? kept.OrderByDescending(r => r.N is null).ThenByDescending(r => r.N).ThenByDescending(r => r.Id)
            : kept.OrderBy(r => r.N is null).ThenBy(r => r.N).ThenBy(r => r.Id);
        Assert.Equal(expected.Select(r => r.Id), page.Rows.Select(r => (long)r.Values["id"]!));
        Assert.Equal(kept.Count, page.Total);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("_row", true)]
    public async Task Sorting_by_row_id_only_with_a_filter_pages_in_row_order(string? orderBy, bool descending)
    {
        var (w, run) = await StageAsync(Things(60));
        var query = new OutboxQuery(2, 5, orderBy, descending, [new("n", OutboxFilterOp.IsNotEmpty)]);

        var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);

        var ids = Enumerable.Range(1, 60).Where(i => i % 5 != 0).Select(i => (long)i).ToList();
        if (descending) ids.Reverse();
        Assert.Equal(ids.Skip(5).Take(5), page.Rows.Select(r => r.RowId));
        Assert.Equal(48, page.Total);
    }

    [Fact]
    public async Task An_empty_result_and_a_page_beyond_the_end_give_no_rows_and_the_true_total()
    {
        var (w, run) = await StageAsync(Things(40));

        var none = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", new OutboxQuery(1, 10, "x", false, [new("n", OutboxFilterOp.GreaterThan, "1000")]), OutboxPagePath.PageMap);
        var beyond = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", new OutboxQuery(5, 10, "x", false, [new("n", OutboxFilterOp.IsNotEmpty)]), OutboxPagePath.PageMap);
        var far = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", new OutboxQuery(int.MaxValue, PageRequest.MaxPageSize, "x", false, [new("n", OutboxFilterOp.IsNotEmpty)]), OutboxPagePath.PageMap);

        Assert.Equal((0, 0L), (none.Rows.Count, none.Total));
        Assert.Equal((0, 32L), (beyond.Rows.Count, beyond.Total));
        Assert.Equal((0, 32L), (far.Rows.Count, far.Total));
    }

    [Fact]
    public async Task After_an_edit_an_add_or_a_delete_the_next_filtered_page_shows_it_from_a_new_map_and_the_old_map_is_gone()
    {
        var (w, run) = await StageAsync(Things(50));
        var query = new OutboxQuery(1, 100, "x", true, [new("rn", OutboxFilterOp.Equals, "w3")]);
        async Task<List<long>> IdsAsync() => (await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap)).Rows.Select(r => (long)r.Values["id"]!).ToList();
        var before = await IdsAsync();
        var firstMap = await MapNamesAsync(run);

        await Outbox.UpdateAsync(w.DataManager, run.RunId, "things", 1, new Dictionary<string, string?> { ["rn"] = "w3", ["x"] = "99" });
        var edited = await IdsAsync();
        var added = await Outbox.AddAsync(w.DataManager, run.RunId, "things", new Dictionary<string, string?> { ["id"] = "500", ["rn"] = "w3", ["x"] = "100" });
        var afterAdd = await IdsAsync();
        await Outbox.DeleteAsync(w.DataManager, run.RunId, "things", 16);
        var afterDelete = await IdsAsync();

        Assert.Equal([1L, .. before], edited);
        Assert.Equal([500L, 1L, .. before], afterAdd);
        Assert.Equal([500L, 1L, .. before.Where(id => id != 16)], afterDelete);
        Assert.Contains(16L, before);
        Assert.Equal(51L, added);
        var lastMap = Assert.Single(await MapNamesAsync(run));
        Assert.DoesNotContain(lastMap, firstMap);
    }

    [Fact]
    public async Task A_map_emptied_by_a_server_crash_is_built_again_and_pages_stay_right()
    {
        var (w, run) = await StageAsync(Things(120));
        var query = new OutboxQuery(2, 9, "x", false, [new("n", OutboxFilterOp.Between, "2", "12")]);
        var expected = Rows(await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset));
        Assert.Equal(expected, Rows(await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap)));

        // Maps are unlogged: crash recovery empties them (and keeps the table with its note), exactly like this.
        var map = Assert.Single(await MapNamesAsync(run));
        await using (var conn = new NpgsqlConnection(core.ConnectionString))
        {
            await conn.OpenAsync();
            await using var truncate = new NpgsqlCommand($"TRUNCATE {Core.Pipeline.Sql.Table(run.Schema, map)}", conn);
            await truncate.ExecuteNonQueryAsync();
        }

        var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
        Assert.Equal(expected, Rows(page));
        Assert.Equal(map, Assert.Single(await MapNamesAsync(run)));
        Assert.True(await ScalarAsync($"SELECT count(*) FROM {Core.Pipeline.Sql.Table(run.Schema, map)} WHERE @s IS NOT NULL", run.Schema) > 0);
    }

    [Fact]
    public async Task At_most_eight_maps_are_kept_per_table_and_the_least_recently_built_go_first()
    {
        var (w, run) = await StageAsync(Things(30));
        var names = new List<string>();
        for (var n = 0; n < 11; n++)
        {
            await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", new OutboxQuery(Filters: [new("n", OutboxFilterOp.NotEquals, n.ToString())]), OutboxPagePath.PageMap);
            names.Add((await MapNamesAsync(run)).Except(names).Single());
        }

        Assert.Equal(names.TakeLast(8).Order(), (await MapNamesAsync(run)).Order());
    }

    [Fact]
    public async Task Requests_for_the_same_pages_at_once_build_one_map_and_agree()
    {
        var (w, run) = await StageAsync(Things(200));
        var query = new OutboxQuery(3, 7, "d", true, [new("x", OutboxFilterOp.Between, "-1", "1.5")]);

        var pages = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap))));
        var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset);

        Assert.All(pages, p => Assert.Equal(Rows(offset), Rows(p)));
        Assert.Equal(1L, await MapsAsync(run));
    }

    [Fact]
    public async Task A_filtered_page_of_a_large_table_goes_through_a_map_which_the_listing_ignores_and_discard_drops()
    {
        var w = await OutboxWorld.CreateAsync(core);
        // About 2 MB, over the size from which tables get indexes and maps; generated inside PostgreSQL.
        var large = Things(0) with
        {
            RowsSql = "SELECT g, g, 'w' || g % 13, g % 17, g % 23 / 4.0 - 2, date '2000-01-01' + g % 700, g % 3 = 0 FROM generate_series(1, 30000) g",
        };
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [large]);
        var filtered = new OutboxQuery(300, 25, "x", true, [new("n", OutboxFilterOp.Between, "3", "9")]);

        var unfiltered = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", new OutboxQuery(300, 25, "x"));
        var mapsBefore = await MapsAsync(run);
        var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", filtered);
        var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", filtered, OutboxPagePath.Offset);
        var summary = await Outbox.GetAsync(w.DataManager, run.RunId);

        Assert.Equal(25, unfiltered.Rows.Count);
        Assert.Equal(0L, mapsBefore);
        Assert.Equal(1L, await MapsAsync(run));
        Assert.Equal(Rows(offset), Rows(page));
        Assert.Equal(offset.Total, page.Total);
        Assert.Equal([("things", 30000L)], summary.Tables.Select(t => (t.Name, t.RowCount)));

        await Outbox.DiscardAsync(w.Manager, run.RunId);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s", run.Schema));
    }

    private async Task<(OutboxWorld, StagedRun)> StageAsync(StagedTable table)
    {
        var w = await OutboxWorld.CreateAsync(core);
        return (w, await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [table]));
    }

    internal static IEnumerable<string> Rows(OutboxPage page) =>
        page.Rows.Select(r => r.RowId + ":" + string.Join("|", page.Table.Columns.Select(c => OutboxValues.Format(r.Values[c.Name]) ?? "∅")));

    private Task<long> MapsAsync(StagedRun run) => ScalarAsync("SELECT count(*) FROM pg_tables WHERE schemaname = @s AND tablename LIKE '\\_pm\\_%'", run.Schema);

    private async Task<List<string>> MapNamesAsync(StagedRun run)
    {
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = @s AND tablename LIKE '\\_pm\\_%'", conn);
        cmd.Parameters.AddWithValue("s", run.Schema);
        var names = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) names.Add(r.GetString(0));
        return names;
    }

    private async Task<long> ScalarAsync(string sql, string schema)
    {
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("s", schema);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
