using System.Globalization;
using System.Text.Json;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using Npgsql;

namespace EtlStudio.Tests.Outbox;

/// <summary>
/// Page maps made from the previous version's map after edits (issue #8): the pages must be exactly the OFFSET pages, and
/// the map must have been made incrementally whenever an earlier one of the same filter and order was there.
/// </summary>
public sealed class OutboxPageMapRebuildTests(OutboxCore core) : IClassFixture<OutboxCore>
{
    private OutboxService Outbox => core.Get<OutboxService>();

    // At most seven, so the eight maps kept per table never push out one the next build of a query is made from. Sort columns
    // of every type, one named like the map's rn, row order both ways; filters that edits move rows into and out of.
    private static readonly OutboxQuery[] Queries =
    [
        new(1, 7, "x", false, [new("n", OutboxFilterOp.Between, "3", "12")]),
        new(1, 9, "rn", true, [new("flag", OutboxFilterOp.IsNotEmpty)]),
        new(1, 11, null, false, [new("n", OutboxFilterOp.NotEquals, "5")]),
        new(1, 5, "_row", true, [new("rn", OutboxFilterOp.IsEmpty)]),
        new(1, 8, "d", true, [new("x", OutboxFilterOp.LessOrEqual, "1")]),
        new(1, 6, "n", false, [new("n", OutboxFilterOp.GreaterThan, "8")]),
        new(1, 10, "flag", true, [new("rn", OutboxFilterOp.Contains, "1"), new("d", OutboxFilterOp.IsNotEmpty)]),
    ];

    [Fact]
    public async Task After_random_edits_adds_and_deletes_every_page_equals_the_offset_page_and_each_map_is_made_from_the_previous_one()
    {
        var (w, run) = await StageAsync(OutboxPageMapTests.Things(263));
        var random = new Random(88);
        var rows = Enumerable.Range(1, 263).Select(i => (long)i).ToList();
        var nextId = 1000;
        var lastBuilt = new long?[Queries.Length];
        var incremental = 0;
        for (var step = 0; step < 160; step++)
        {
            if (random.Next(3) > 0)
            {
                // One to three changes in one edit, each to a different row.
                var touched = new HashSet<long>();
                var changes = new List<RowChange>();
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    var kind = random.Next(5);
                    var row = rows[random.Next(rows.Count)];
                    if (kind == 0) changes.Add(RowChange.Add(With(Values(random), "id", (nextId++).ToString(CultureInfo.InvariantCulture))));
                    else if (!touched.Add(row)) continue;
                    else if (kind == 1) changes.Add(RowChange.Delete(row));
                    else if (Values(random) is { Count: > 0 } values) changes.Add(RowChange.Edit(row, values));
                }
                if (changes.Count > 0)
                {
                    var added = await Outbox.ModifyAsync(w.DataManager, run.RunId, "things", changes);
                    rows.RemoveAll(r => changes.Any(c => c.Kind == RowChangeKind.Delete && c.RowId == r));
                    rows.AddRange(added);
                }
            }

            var q = random.Next(Queries.Length);
            var query = Queries[q] with { Page = random.Next(1, 300 / Queries[q].PageSize + 3) };
            var version = await EditsAsync(run);
            var before = await MapNotesAsync(run);
            var mapped = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
            var after = await MapNotesAsync(run);
            var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset);

            var what = $"step {step}, query {q} page {query.Page} at version {version}";
            Assert.True(offset.Total == mapped.Total, $"{what}: total {mapped.Total}, not {offset.Total}");
            Assert.True(OutboxPageMapTests.Rows(offset).SequenceEqual(OutboxPageMapTests.Rows(mapped)),
                $"{what}: rows [{string.Join(", ", OutboxPageMapTests.Rows(mapped))}], not [{string.Join(", ", OutboxPageMapTests.Rows(offset))}]");
            if (lastBuilt[q] == version) { Assert.Equal(before.Keys.Order(), after.Keys.Order()); continue; }
            var built = Assert.Single(after.Keys.Except(before.Keys));
            Assert.Equal(version, after[built].Edits);
            // Made from this query's map of the version it was last read at, or (the first time) from the table.
            Assert.True(lastBuilt[q] == after[built].Base, $"{what}: made from version {after[built].Base?.ToString() ?? "(the table)"}, not {lastBuilt[q]?.ToString() ?? "(the table)"}");
            if (after[built].Base is not null) incremental++;
            lastBuilt[q] = version;
        }

        Assert.InRange(incremental, 40, 160);
        Assert.InRange((await MapNotesAsync(run)).Count, 1, 8);
        // The edit log is an engine table: the outbox still lists the one table.
        Assert.Equal(["things"], (await Outbox.GetAsync(w.DataManager, run.RunId)).Tables.Select(t => t.Name));
    }

    [Fact]
    public async Task When_more_than_a_few_percent_of_the_rows_changed_the_map_is_built_from_the_table_again()
    {
        var (w, run) = await StageAsync(OutboxPageMapTests.Things(1200));
        var query = new OutboxQuery(3, 20, "x", false, [new("n", OutboxFilterOp.IsNotEmpty)]);
        await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);

        await Outbox.ModifyAsync(w.DataManager, run.RunId, "things",
            Enumerable.Range(1, 1100).Select(i => RowChange.Edit(i, new Dictionary<string, string?> { ["x"] = (i % 7 == 0 ? null : (i % 13).ToString(CultureInfo.InvariantCulture)) })).ToList());
        var mapped = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
        var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset);

        Assert.Equal(OutboxPageMapTests.Rows(offset), OutboxPageMapTests.Rows(mapped));
        var note = Assert.Single((await MapNotesAsync(run)).Values);
        Assert.Equal((1L, (long?)null), (note.Edits, note.Base));
    }

    [Fact]
    public async Task An_edit_the_log_does_not_know_makes_the_next_map_from_the_table()
    {
        var (w, run) = await StageAsync(OutboxPageMapTests.Things(120));
        var query = new OutboxQuery(1, 200, "n", false, [new("x", OutboxFilterOp.Between, "-1", "1.5")]);
        await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);

        // As a node of an older release edits: the row changes and the version goes up, but nothing is logged.
        await ExecAsync($"""
            UPDATE {Core.Pipeline.Sql.Table(run.Schema, "things")} SET x = 0, n = 99 WHERE _row = 4;
            INSERT INTO app.outbox_edits (run_id, table_name, edits) VALUES ('{run.RunId}', 'things', 1)
            ON CONFLICT (run_id, table_name) DO UPDATE SET edits = app.outbox_edits.edits + 1;
            """);
        // A logged edit after it: the log has version 2 but not 1.
        await Outbox.UpdateAsync(w.DataManager, run.RunId, "things", 5, new Dictionary<string, string?> { ["x"] = "1", ["n"] = "98" });
        var mapped = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
        var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset);

        Assert.Contains(mapped.Rows, r => r.RowId == 4);
        Assert.Equal(OutboxPageMapTests.Rows(offset), OutboxPageMapTests.Rows(mapped));
        Assert.Null(Assert.Single((await MapNotesAsync(run)).Values, n => n.Edits == 2).Base);
    }

    [Fact]
    public async Task A_previous_map_a_server_crash_emptied_is_not_made_into_the_next_one()
    {
        var (w, run) = await StageAsync(OutboxPageMapTests.Things(120));
        var query = new OutboxQuery(2, 9, "n", true, [new("x", OutboxFilterOp.Between, "-1", "1.5")]);
        await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
        await ExecAsync($"TRUNCATE {Core.Pipeline.Sql.Table(run.Schema, Assert.Single((await MapNotesAsync(run)).Keys))}");

        await Outbox.UpdateAsync(w.DataManager, run.RunId, "things", 4, new Dictionary<string, string?> { ["x"] = "0", ["n"] = "99" });
        var mapped = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
        var offset = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.Offset);

        Assert.Equal(OutboxPageMapTests.Rows(offset), OutboxPageMapTests.Rows(mapped));
        Assert.Null(Assert.Single((await MapNotesAsync(run)).Values, n => n.Edits == 1).Base);
    }

    /// <summary>
    /// One task edits sort and filter values over and over while another pages through maps. Every page must be the page of
    /// some version between the one committed before the read and the one committed after it, computed here from the edits.
    /// </summary>
    [Fact]
    public async Task Pages_read_while_edits_commit_are_each_the_page_of_a_version_at_least_as_new_as_the_one_before_the_read()
    {
        const int Count = 400;
        var (w, run) = await StageAsync(OutboxPageMapTests.Things(Count));
        // versions[k]: (n, x) of every row after the first k edits, the only writes to the table.
        var state = OutboxPageMapTests.Things(Count).Rows.Select((r, i) => (Row: i + 1L, N: (long?)r[2], X: (double?)r[3])).ToDictionary(r => r.Row, r => (r.N, r.X));
        var versions = new List<Dictionary<long, (long? N, double? X)>> { new(state) };
        var query = new OutboxQuery(1, 13, "x", false, [new("n", OutboxFilterOp.Between, "4", "11")]);
        await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", query, OutboxPagePath.PageMap);
        using var done = new CancellationTokenSource();

        var editor = Task.Run(async () =>
        {
            var random = new Random(3);
            try
            {
                for (var i = 0; i < 80; i++)
                {
                    var row = random.Next(1, Count + 1);
                    long? n = random.Next(4) == 0 ? null : random.Next(0, 17);
                    double? x = random.Next(5) == 0 ? null : random.Next(-8, 9) / 4.0;
                    await Outbox.UpdateAsync(w.DataManager, run.RunId, "things", row, new Dictionary<string, string?>
                    {
                        ["n"] = n?.ToString(CultureInfo.InvariantCulture), ["x"] = x?.ToString(CultureInfo.InvariantCulture),
                    });
                    state[row] = (n, x);
                    lock (versions) versions.Add(new(state));
                }
            }
            finally { done.Cancel(); }
        });
        var reads = new List<(long From, long To, OutboxQuery Query, List<long> Rows, long Total)>();
        var pager = Task.Run(async () =>
        {
            var random = new Random(4);
            while (!done.IsCancellationRequested || reads.Count < 5)
            {
                var q = query with { Page = random.Next(1, 14) };
                var from = await EditsAsync(run);
                var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "things", q, OutboxPagePath.PageMap);
                var to = await EditsAsync(run);
                reads.Add((from, to, q, page.Rows.Select(r => r.RowId).ToList(), page.Total));
            }
        });
        await Task.WhenAll(editor, pager).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.All(reads, read => Assert.True(
            Enumerable.Range((int)read.From, (int)(read.To - read.From) + 1).Any(v => Expected(versions[v], read.Query) == (read.Total, string.Join(",", read.Rows))),
            $"page {read.Query.Page} read between versions {read.From} and {read.To}: [{string.Join(", ", read.Rows)}] of {read.Total} is the page of none of them"));
        Assert.True(reads.Count >= 5);
        Assert.Contains((await MapNotesAsync(run)).Values, n => n.Base is not null);
    }

    // PostgreSQL's order: nulls after every value ascending, ties by row id; the filter n BETWEEN 4 AND 11.
    private static (long Total, string Rows) Expected(Dictionary<long, (long? N, double? X)> rows, OutboxQuery query)
    {
        var matching = rows.Where(r => r.Value.N is >= 4 and <= 11).OrderBy(r => r.Value.X is null).ThenBy(r => r.Value.X).ThenBy(r => r.Key).Select(r => r.Key).ToList();
        return (matching.Count, string.Join(",", matching.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)));
    }

    // Random values for some columns of things: duplicates, nulls, empty text, values in and out of every filter above.
    private static Dictionary<string, string?> Values(Random random)
    {
        var values = new Dictionary<string, string?>();
        string? Pick(params string?[] choices) => choices[random.Next(choices.Length)];
        if (random.Next(2) == 0) values["n"] = Pick(null, "0", "3", "5", "8", "9", "12", "16");
        if (random.Next(2) == 0) values["x"] = Pick(null, "-2", "-1", "0", "0.25", "1", "1.5", "3");
        if (random.Next(3) == 0) values["rn"] = Pick(null, "", "w1", "w3", "w11", "a");
        if (random.Next(3) == 0) values["d"] = Pick(null, "2000-01-01", "2001-02-01", "2003-03-01");
        if (random.Next(3) == 0) values["flag"] = Pick(null, "true", "false");
        return values;
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> values, string column, string value)
    {
        values[column] = value;
        return values;
    }

    private async Task<(OutboxWorld, StagedRun)> StageAsync(StagedTable table)
    {
        var w = await OutboxWorld.CreateAsync(core);
        return (w, await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [table]));
    }

    private async Task<long> EditsAsync(StagedRun run)
    {
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT coalesce((SELECT edits FROM app.outbox_edits WHERE run_id = @r AND table_name = 'things'), 0)", conn);
        cmd.Parameters.AddWithValue("r", run.RunId);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private sealed record MapNote(long Edits, long Rows, long? Base);

    private async Task<Dictionary<string, MapNote>> MapNotesAsync(StagedRun run)
    {
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
            WHERE s.nspname = @s AND c.relkind = 'r' AND c.relname LIKE '\_pm\_%'
            """, conn);
        cmd.Parameters.AddWithValue("s", run.Schema);
        var notes = new Dictionary<string, MapNote>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) notes[r.GetString(0)] = JsonSerializer.Deserialize<MapNote>(r.GetString(1))!;
        return notes;
    }

    private async Task ExecAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
