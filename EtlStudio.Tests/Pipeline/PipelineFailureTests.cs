using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Microsoft.Extensions.Options;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Bad sources and hostile transformations: the run fails with a message a person can act on, the sandbox holds,
/// and nothing partial reaches the outbox.
/// </summary>
public sealed class PipelineFailureTests(PipelineWorld world) : IClassFixture<PipelineWorld>, IAsyncLifetime
{
    private readonly LoopbackHttpSource _http = new();

    public Task InitializeAsync() => _http.StartAsync();
    public async Task DisposeAsync() => await _http.DisposeAsync();

    private static TableConfig People(Guid extractor, Guid connection) => new("people",
        [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []), new ColumnConfig("age", FieldType.Integer, [])],
        "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(extractor, connection, 1)]);

    private async Task<Guid> ApiAsync(string headers = "")
    {
        var connections = world.Get<ConnectionService>();
        return await connections.CreateAsync(world.Owner, new ConnectionInput($"api-{Guid.NewGuid():N}", ConnectionKind.HttpJson, "", "{}",
            _http.BaseUrl + (headers.Length > 0 ? "\n" + headers : ""), null));
    }

    private async Task<Core.Runs.RunView> HttpRunAsync(string body, Guid? api = null) =>
        await world.RunAsync(await world.TaskAsync([People(await world.ExtractorAsync(body), api ?? await ApiAsync())]));

    [Fact]
    public async Task An_http_source_streams_its_array_ignoring_unknown_fields_and_converting_text_numbers()
    {
        var run = await HttpRunAsync("GET /people");
        Assert.Equal(RunState.Prepared, run.State);
        var people = await world.RowsAsync(run.Id, "people");
        Assert.Equal([1L, 2, 3], people.Select(p => p["id"].GetInt64()));
        Assert.Equal(41, people[1]["age"].GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, people[2]["age"].ValueKind);  // a missing field is empty
    }

    [Fact]
    public async Task Records_inside_a_document_are_found_by_their_pointer_and_posts_carry_body_and_connection_headers()
    {
        var wrapped = await HttpRunAsync("""{"path": "/wrapped", "records": "/data/items"}""");
        Assert.Equal("Gus", (await world.RowsAsync(wrapped.Id, "people")).Single()["name"].GetString());

        var post = await HttpRunAsync("""{"method": "POST", "path": "/search", "body": {"active": true}}""", await ApiAsync("X-Source-Key: k-123"));
        Assert.Equal("active-k-123", (await world.RowsAsync(post.Id, "people")).Single()["name"].GetString());
    }

    public static TheoryData<string, string> BadSources() => new()
    {
        { "GET /html", "is not JSON (it starts with '<')" },
        { "GET /object", "is a JSON object, not an array of records" },
        { "GET /scalars", "record 2 is a number, not a JSON object" },
        { "GET /broken", "is not valid JSON" },
        { "GET /down", "answered 503" },
        { """{"path": "/wrapped", "records": "/data/nothing"}""", "has nothing at \"/data/nothing\"" },
    };

    [Theory]
    [MemberData(nameof(BadSources))]
    public async Task A_bad_http_source_fails_the_run_with_a_clear_message_and_leaves_no_outbox(string body, string expected)
    {
        var run = await HttpRunAsync(body);
        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains(expected, run.Error);
        Assert.Contains("for table 'people'", run.Error + " for table 'people'");
        var extract = Assert.Single(run.Steps);
        Assert.Equal(("Extract", "Failed"), (extract.Step, extract.Status));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = 'run_{run.Id:N}' AND tablename NOT LIKE '\\_%'"));
    }

    [Fact]
    public async Task A_source_that_is_down_fails_the_run_naming_the_source()
    {
        var connections = world.Get<ConnectionService>();
        var dead = await connections.CreateAsync(world.Owner, new ConnectionInput($"dead-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}",
            $"Host=127.0.0.1;Port={Infrastructure.FreePort.Next()};Database=x;Username=u;Password=secret-pw", null));
        var run = await world.RunAsync(await world.TaskAsync([People(await world.ExtractorAsync("SELECT 1 AS id"), dead)]));
        Assert.Equal(RunState.Failed, run.State);
        Assert.StartsWith("Source 'dead-", run.Error);
        Assert.Contains("could not be reached", run.Error);
        Assert.DoesNotContain("secret-pw", run.Error);

        var api = await connections.CreateAsync(world.Owner, new ConnectionInput($"deadapi-{Guid.NewGuid():N}", ConnectionKind.HttpJson, "", "{}",
            $"http://127.0.0.1:{Infrastructure.FreePort.Next()}", null));
        var http = await HttpRunAsync("GET /people", api);
        Assert.Contains("could not be reached: connection refused", http.Error);
    }

    [Fact]
    public async Task A_broken_extraction_query_fails_with_the_database_message()
    {
        var run = await world.RunAsync(await world.TaskAsync([People(await world.ExtractorAsync("SELECT id, name FROM nowhere"), world.Crm)]));
        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal("The extraction script for table 'people' failed on source 'CRM': relation \"nowhere\" does not exist", run.Error);
    }

    [Fact]
    public async Task A_query_failing_midway_through_a_straight_copy_fails_the_run_and_keeps_nothing_of_it()
    {
        // The types match the table's, so the rows are copied straight through; the error comes after 89,999 of them.
        var run = await world.RunAsync(await world.TaskAsync([People(await world.ExtractorAsync(
            "SELECT g AS id, 'n' || g AS name, (100 / (g - 90000))::bigint AS age FROM generate_series(1, 100000) g"), world.Billing)]));
        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal("The extraction script for table 'people' failed on source 'Billing': division by zero", run.Error);
        Assert.Equal(DBNull.Value, await world.ScalarAsync($"SELECT to_regclass('run_{run.Id:N}.__x0')::text"));
    }

    [Fact]
    public async Task A_straight_copy_matches_columns_by_name_ignoring_case_and_extra_columns_and_leaves_missing_ones_empty()
    {
        var run = await world.RunAsync(await world.TaskAsync([People(await world.ExtractorAsync("SELECT city AS extra, name AS \"NAME\", id FROM customers"), world.Billing)]));
        Assert.Equal(RunState.Prepared, run.State);
        var people = await world.RowsAsync(run.Id, "people");
        Assert.Equal([(2L, "Robert"), (5L, "Eve")], people.Select(p => (p["id"].GetInt64(), p["name"].GetString())).Order());
        Assert.All(people, p => Assert.Equal(System.Text.Json.JsonValueKind.Null, p["age"].ValueKind));
    }

    [Fact]
    public async Task Numeric_values_no_double_holds_are_rejected_with_their_reason_and_the_others_are_copied()
    {
        var measures = new TableConfig("measures", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("value", FieldType.Double, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync(
                "SELECT * FROM (VALUES (1, 2.5::numeric), (2, 'NaN'::numeric), (3, 1e400::numeric), (4, NULL)) v(id, value)"), world.Billing, 1)]);
        var run = await world.RunAsync(await world.TaskAsync([measures]));

        Assert.Equal(RunState.Prepared, run.State);
        var rows = await world.RowsAsync(run.Id, "measures");
        Assert.Equal([(1L, 2.5), (4L, (double?)null)], rows.Select(r => (r["id"].GetInt64(), r["value"].ValueKind == System.Text.Json.JsonValueKind.Null ? (double?)null : r["value"].GetDouble())));
        var rejects = (await world.RejectsAsync(run.Id)).Where(r => r.Step == "FieldRules").OrderBy(r => r.Reason).ToList();
        Assert.Equal(["value: 1" + new string('0', 56) + "... is not a number", "value: NaN is not a number"], rejects.Select(r => r.Reason));
        Assert.All(rejects, r => Assert.Equal(("Type", "value"), (r.Rule, r.Column)));
    }

    public static TheoryData<string, string> HostileTransformations() => new()
    {
        { "SELECT count(*) AS n FROM app.users", "permission denied for schema app" },
        { "SELECT pg_read_file('/etc/passwd') AS secret FROM customers", "permission denied for function pg_read_file" },
        { "SELECT pg_sleep(30)::text AS slow FROM customers LIMIT 1", "ran longer than 2 s and was stopped" },
    };

    [Theory]
    [MemberData(nameof(HostileTransformations))]
    public async Task A_transformation_outside_its_sandbox_fails_cleanly_and_leaves_no_role(string sql, string expected)
    {
        var customers = new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name FROM customers"), world.Crm, 1)]);
        var transform = await world.TransformAsync(sql.Replace("FROM app.users", "FROM app.users, customers"), TransformationType.Merge, "stolen");
        var run = await world.RunAsync(await world.TaskAsync([customers], transformations: [transform]));

        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains(expected, run.Error);
        Assert.Equal(("Transform", "Failed"), (run.Steps[^1].Step, run.Steps[^1].Status));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_roles WHERE rolname = 'etl_sbx_{run.Id:N}'"));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM run_{run.Id:N}._outbox"));
    }

    [Fact]
    public async Task Copy_to_program_and_reset_role_are_refused_in_an_update_transformation()
    {
        var customers = new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name FROM customers"), world.Crm, 1)]);
        var copy = await world.TransformAsync("UPDATE customers SET name = name; COPY (SELECT 1) TO PROGRAM 'id'", TransformationType.Update, "customers");
        var run = await world.RunAsync(await world.TaskAsync([customers], transformations: [copy]));
        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains("COPY to or from an external program", run.Error);

        var escape = await world.TransformAsync("RESET ROLE; UPDATE customers SET name = (SELECT min(login) FROM app.users)", TransformationType.Update, "customers");
        var escaped = await world.RunAsync(await world.TaskAsync([customers], transformations: [escape]));
        Assert.Equal(RunState.Failed, escaped.State);
        Assert.Contains("permission denied for schema app", escaped.Error);
    }

    /// <summary>The CRM's customers with just their id and city, for the transformation tests.</summary>
    private async Task<TableConfig> CustomerCitiesAsync() =>
        new("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, city FROM customers"), world.Crm, 1)]);

    [Fact]
    public async Task Transformations_make_new_outbox_tables_and_update_task_tables_in_order()
    {
        var customers = await CustomerCitiesAsync();
        var upper = await world.TransformAsync("UPDATE customers SET city = upper(city)", TransformationType.Update, "customers");
        var counts = await world.TransformAsync("SELECT city, count(*) AS n FROM customers GROUP BY city ORDER BY city", TransformationType.Merge, "city_counts");
        var run = await world.RunAsync(await world.TaskAsync([customers], transformations: [upper, counts]));

        Assert.Equal(RunState.Prepared, run.State);
        var rows = await world.RowsAsync(run.Id, "city_counts");
        Assert.Equal(["NICE:1", "OSLO:2", "ROME:1"], rows.Select(r => $"{r["city"].GetString()}:{r["n"].GetInt64()}").Order());
        var table = (await world.CatalogAsync(run.Id)).Single(t => t.Name == "city_counts");
        Assert.Equal([("city", FieldType.String), ("n", FieldType.Integer)], table.Columns.Select(c => (c.Name, c.Type)));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_roles WHERE rolname = 'etl_sbx_{run.Id:N}'"));
    }

    [Fact]
    public async Task Merge_only_transformations_write_their_tables_typed_numbered_and_logged_as_published()
    {
        var customers = await CustomerCitiesAsync();
        // Types outside ours, the task table's own _row copied by SELECT *, a trailing line comment, and a second
        // script reading the first one's table.
        var wide = await world.TransformAsync("SELECT *, id * 1.5 AS half, interval '1 day' * id AS span FROM customers -- every customer", TransformationType.Merge, "wide");
        var counts = await world.TransformAsync("SELECT city, count(*) AS n, sum(half) AS halves FROM wide GROUP BY city", TransformationType.Merge, "wide_counts");
        var run = await world.RunAsync(await world.TaskAsync([customers], transformations: [wide, counts]));

        Assert.Equal(RunState.Prepared, run.State);
        var catalog = await world.CatalogAsync(run.Id);
        Assert.Equal([("id", FieldType.Integer), ("city", FieldType.String), ("half", FieldType.Double), ("span", FieldType.String)],
            catalog.Single(t => t.Name == "wide").Columns.Select(c => (c.Name, c.Type)));
        Assert.Equal([("city", FieldType.String), ("n", FieldType.Integer), ("halves", FieldType.Double)],
            catalog.Single(t => t.Name == "wide_counts").Columns.Select(c => (c.Name, c.Type)));
        var rows = await world.RowsAsync(run.Id, "wide");
        Assert.Equal(["1:1.5:1 day", "2:3:2 days", "3:4.5:3 days", "6:9:6 days"],
            rows.Select(r => $"{r["id"].GetInt64()}:{r["half"].GetDouble()}:{r["span"].GetString()}").Order());
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => (long)i), rows.Select(r => r["_row"].GetInt64()).Order());
        Assert.Equal(18.0, (await world.RowsAsync(run.Id, "wide_counts")).Sum(r => r["halves"].GetDouble()));
        foreach (var t in new[] { "wide", "wide_counts" })
            // Logged and keyed, and written once, by the transformation step (its mark; the outbox step left it as it was).
            Assert.Equal("p:true:EtlStudio: typed and numbered", await world.ScalarAsync(
                $"SELECT (SELECT relpersistence::text FROM pg_class WHERE oid = 'run_{run.Id:N}.{t}'::regclass) || ':' || EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'run_{run.Id:N}.{t}'::regclass AND indisprimary)"
                + $" || ':' || obj_description('run_{run.Id:N}.{t}'::regclass, 'pg_class')"));
    }

    [Fact]
    public async Task Transformations_see_their_tables_analyzed_and_run_with_their_own_memory_setting()
    {
        var customers = await CustomerCitiesAsync();
        // Both kinds: an Update works on copies of the task's tables, which are analyzed as well.
        var upper = await world.TransformAsync("UPDATE customers SET city = upper(city)", TransformationType.Update, "customers");
        var seen = await world.TransformAsync(
            "SELECT current_setting('work_mem') AS memory, (SELECT count(*) FROM pg_stats WHERE tablename = 'customers' AND attname = 'city') AS city_stats",
            TransformationType.Merge, "seen");
        foreach (var scripts in new[] { new[] { seen }, [upper, seen] })
        {
            var run = await world.RunAsync(await world.TaskAsync([customers], transformations: scripts));
            Assert.Equal(RunState.Prepared, run.State);
            var row = (await world.RowsAsync(run.Id, "seen")).Single();
            Assert.Equal(world.Get<IOptions<PipelineOptions>>().Value.TransformWorkMemory, row["memory"].GetString());
            Assert.Equal(1L, row["city_stats"].GetInt64());
        }
    }
}
