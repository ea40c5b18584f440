using System.Text.Json.Nodes;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Outbox;

public sealed class OutboxServiceTests(OutboxCore core) : IClassFixture<OutboxCore>
{
    private OutboxService Outbox => core.Get<OutboxService>();

    private async Task<(OutboxWorld World, StagedRun Run)> StageAsync(int people = 50)
    {
        var w = await OutboxWorld.CreateAsync(core);
        return (w, await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [OutboxWorld.People(people)]));
    }

    [Fact]
    public async Task A_page_is_filtered_sorted_and_cut_in_the_database_like_the_same_query_in_memory()
    {
        var (w, run) = await StageAsync(200);
        var all = OutboxWorld.People(200).Rows;
        var query = new OutboxQuery(2, 7, "name", true,
            [new OutboxFilter("age", OutboxFilterOp.Between, "20", "45"), new OutboxFilter("active", OutboxFilterOp.Equals, "true")]);

        var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", query);

        var expected = all.Where(r => (long)r[2]! is >= 20 and <= 45 && (bool)r[5]!)
            // PostgreSQL puts nulls first when descending; ties by row id, also descending.
            .OrderByDescending(r => r[1] is null).ThenByDescending(r => (string?)r[1], StringComparer.Ordinal).ThenByDescending(r => (long)r[0]!).ToList();
        Assert.Equal(expected.Count, page.Total);
        Assert.Equal(expected.Skip(7).Take(7).Select(r => (long)r[0]!), page.Rows.Select(r => (long)r.Values["id"]!));
        Assert.Equal(["id", "name", "age", "born", "score", "active"], page.Table.Columns.Select(c => c.Name));
        Assert.IsType<DateOnly>(page.Rows[0].Values["born"]);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(null, true)]
    [InlineData("name", false)]
    [InlineData("name", true)]
    [InlineData("age", true)]
    [InlineData("born", false)]
    public async Task Paging_forward_from_the_previous_pages_last_row_gives_the_same_pages_as_offsets(string? orderBy, bool descending)
    {
        var (w, run) = await StageAsync(47);
        var filters = new List<OutboxFilter> { new("score", OutboxFilterOp.GreaterOrEqual, "3") };
        var byOffset = new List<long>();
        var bySeek = new List<long>();
        OutboxCursor? after = null;
        for (var page = 1; page <= 8; page++)
        {
            byOffset.AddRange((await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(page, 6, orderBy, descending, filters))).Rows.Select(r => r.RowId));
            var seek = await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(page, 6, orderBy, descending, filters, after));
            bySeek.AddRange(seek.Rows.Select(r => r.RowId));
            if (seek.Rows.Count > 0) after = new OutboxCursor(seek.Rows[^1].RowId, orderBy is null ? null : OutboxValues.Format(seek.Rows[^1].Values[orderBy]));
        }
        Assert.Equal(46, byOffset.Count);
        Assert.Equal(byOffset, bySeek);
    }

    [Fact]
    public async Task Text_filters_match_literally_and_empty_finds_nulls()
    {
        var (w, run) = await StageAsync(30);
        await Outbox.UpdateAsync(w.DataManager, run.RunId, "people", 5, new Dictionary<string, string?> { ["name"] = "50%_off" });

        var contains = await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(Filters: [new("name", OutboxFilterOp.Contains, "0%_")]));
        var empty = await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(Filters: [new("name", OutboxFilterOp.IsEmpty)]));
        var startsWith = await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(PageSize: 100, Filters: [new("score", OutboxFilterOp.StartsWith, "1")]));

        Assert.Equal([5L], contains.Rows.Select(r => r.RowId));
        Assert.Equal([10L, 20L, 30L], empty.Rows.Select(r => (long)r.Values["id"]!));
        Assert.All(startsWith.Rows, r => Assert.StartsWith("1", OutboxValues.Format(r.Values["score"])));
        Assert.NotEmpty(startsWith.Rows);
    }

    [Fact]
    public async Task A_filter_on_a_missing_column_or_with_a_value_of_the_wrong_type_is_refused_naming_the_column()
    {
        var (w, run) = await StageAsync(5);
        var missing = await Assert.ThrowsAsync<ValidationException>(() =>
            Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(Filters: [new("salary", OutboxFilterOp.Equals, "1")])));
        var wrongType = await Assert.ThrowsAsync<ValidationException>(() =>
            Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(Filters: [new("age", OutboxFilterOp.GreaterThan, "old")])));
        var badSort = await Assert.ThrowsAsync<ValidationException>(() =>
            Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(OrderBy: "\"; DROP TABLE people; --")));

        Assert.Contains("'salary'", missing.Message);
        Assert.Contains("Column 'age' expects an integer", wrongType.Message);
        Assert.Contains("has no column", badSort.Message);
    }

    [Fact]
    public async Task Listing_shows_the_run_with_its_tables_and_row_counts()
    {
        var (w, run) = await StageAsync(12);
        var summary = await Outbox.GetAsync(w.Manager, run.RunId);
        var list = await Outbox.ListAsync(w.DataManager, new PageRequest(1, 50));

        Assert.Equal(RunState.Prepared, summary.State);
        Assert.Equal(("people", 12L), (summary.Tables.Single().Name, summary.Tables.Single().RowCount));
        Assert.Contains(list.Items, o => o.RunId == run.RunId);
    }

    [Fact]
    public async Task Values_of_the_wrong_type_out_of_the_range_rule_or_a_duplicate_key_are_refused_with_the_column_named()
    {
        var (w, run) = await StageAsync(5);
        async Task<string> Refused(RowChange change) =>
            (await Assert.ThrowsAsync<ValidationException>(() => Outbox.ModifyAsync(w.DataManager, run.RunId, "people", [change]))).Message;

        Assert.Contains("Column 'born' expects a date", await Refused(RowChange.Edit(1, new Dictionary<string, string?> { ["born"] = "yesterday" })));
        Assert.Contains("Column 'age' must be between 0 and 120", await Refused(RowChange.Edit(1, new Dictionary<string, string?> { ["age"] = "130" })));
        Assert.Contains("Column 'id' is the primary key; 2 is already used by row 2", await Refused(RowChange.Edit(1, new Dictionary<string, string?> { ["id"] = "2" })));
        Assert.Contains("Column 'id' is the primary key and cannot be empty", await Refused(RowChange.Add(new Dictionary<string, string?> { ["name"] = "x" })));
        Assert.Contains("no column 'salary'", await Refused(RowChange.Add(new Dictionary<string, string?> { ["id"] = "99", ["salary"] = "1" })));

        var row = (await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery(Filters: [new("id", OutboxFilterOp.Equals, "1")]))).Rows.Single();
        Assert.Equal((long)19, row.Values["age"]);
    }

    [Fact]
    public async Task Add_edit_and_delete_change_the_table_and_are_audited_with_the_row_before_and_after()
    {
        var (w, run) = await StageAsync(3);
        var added = await Outbox.AddAsync(w.DataManager, run.RunId, "people", new Dictionary<string, string?> { ["id"] = "100", ["name"] = "new", ["age"] = "40", ["born"] = "1990-05-06" });
        await Outbox.UpdateAsync(w.DataManager, run.RunId, "people", 2, new Dictionary<string, string?> { ["name"] = "renamed", ["score"] = null });
        await Outbox.DeleteAsync(w.DataManager, run.RunId, "people", 3);

        var rows = (await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery())).Rows;
        Assert.Equal([1L, 2L, added], rows.Select(r => r.RowId));
        Assert.Equal(4L, added);
        Assert.Equal(("renamed", (object?)null), ((string?)rows[1].Values["name"], rows[1].Values["score"]));
        Assert.Equal(new DateOnly(1990, 5, 6), rows[2].Values["born"]);

        var entries = await AuditAsync(run.RunId);
        Assert.Equal(["outbox.row.add", "outbox.row.edit", "outbox.row.delete"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(w.DataManager.Login, e.ActorLogin));
        var edit = JsonNode.Parse(entries[1].ChangesJson)!["row"]!;
        Assert.Equal("person 002", (string?)edit["before"]!["name"]);
        Assert.Equal("renamed", (string?)edit["after"]!["name"]);
        Assert.Equal("3", (string?)edit["before"]!["score"]);
        Assert.Null(edit["after"]!["score"]);
        Assert.Null(JsonNode.Parse(entries[0].ChangesJson)!["row"]!["before"]);
        Assert.Null(JsonNode.Parse(entries[2].ChangesJson)!["row"]!["after"]);
        Assert.Equal($"{run.RunId}/people/3", entries[2].EntityId);
    }

    [Fact]
    public async Task Changes_sent_together_are_applied_together_or_not_at_all()
    {
        var (w, run) = await StageAsync(3);
        await Assert.ThrowsAsync<ValidationException>(() => Outbox.ModifyAsync(w.DataManager, run.RunId, "people",
            [RowChange.Delete(1), RowChange.Edit(2, new Dictionary<string, string?> { ["age"] = "-1" })]));

        var page = await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery());
        Assert.Equal(3, page.Total);
        Assert.Empty(await AuditAsync(run.RunId));
    }

    [Fact]
    public async Task Edits_are_refused_once_the_run_is_no_longer_Prepared()
    {
        var (w, run) = await StageAsync(3);
        await SetStateAsync(run.RunId, RunState.Uploading);

        var e = await Assert.ThrowsAsync<DomainException>(() => Outbox.DeleteAsync(w.DataManager, run.RunId, "people", 1));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Equal(3, (await Outbox.GetPageAsync(w.DataManager, run.RunId, "people", new OutboxQuery())).Total);
    }

    [Fact]
    public async Task Reading_needs_a_data_role_and_editing_needs_MANAGE_DATA()
    {
        var (w, run) = await StageAsync(3);
        var taskManagerOnly = await Infrastructure.TestUsers.CreateAsync(core, "taskmanager", UserRole.ProcessEtlTask);

        var read = await Assert.ThrowsAsync<DomainException>(() => Outbox.GetPageAsync(w.Nobody, run.RunId, "people", new OutboxQuery()));
        var edit = await Assert.ThrowsAsync<DomainException>(() => Outbox.DeleteAsync(taskManagerOnly, run.RunId, "people", 1));
        var discard = await Assert.ThrowsAsync<DomainException>(() => Outbox.DiscardAsync(w.DataManager, run.RunId));

        Assert.All([read, edit, discard], e => Assert.Equal(ErrorKind.PermissionDenied, e.Kind));
        Assert.Equal(3, (await Outbox.GetPageAsync(taskManagerOnly, run.RunId, "people", new OutboxQuery())).Total);
    }

    [Fact]
    public async Task Discard_drops_the_staging_schema_marks_the_run_Discarded_and_is_audited()
    {
        var (w, run) = await StageAsync(3);
        await Outbox.DiscardAsync(w.Manager, run.RunId);

        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_namespace WHERE nspname = @s", conn);
        cmd.Parameters.AddWithValue("s", run.Schema);
        Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
        Assert.Equal(RunState.Discarded, await StateAsync(run.RunId));
        var entry = Assert.Single(await AuditAsync(run.RunId, "PipelineRun"));
        Assert.Equal("outbox.discard", entry.Action);
        var again = await Assert.ThrowsAsync<DomainException>(() => Outbox.DiscardAsync(w.Manager, run.RunId));
        Assert.Equal(ErrorKind.FailedPrecondition, again.Kind);
    }

    private async Task<List<AuditEntry>> AuditAsync(Guid runId, string entityType = "OutboxRow")
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var prefix = runId + "/";
        return await db.AuditEntries.Where(e => e.EntityType == entityType && e.Outcome == AuditOutcome.Success
                                                && (e.EntityId!.StartsWith(prefix) || e.EntityId == runId.ToString()))
            .OrderBy(e => e.Id).ToListAsync();
    }

    private async Task SetStateAsync(Guid runId, RunState state)
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.State, state));
    }

    private async Task<RunState> StateAsync(Guid runId)
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.State).FirstAsync();
    }
}
