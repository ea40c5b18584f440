using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 24: the transformation sandbox's limits hold whatever the script says — its time limit, the objects it may
/// leave, what it may see — and every such run ends Failed with a readable reason, its role gone, the application's
/// tables untouched.
/// </summary>
public sealed class SandboxTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private object? _users;

    /// <summary>The application's users as text, to show a run left them as they were.</summary>
    private Task<object?> UsersAsync() => world.ScalarAsync("SELECT md5(string_agg(u::text, ',' ORDER BY u.id)) FROM app.users u");

    private async Task<TableConfig> CustomersAsync() =>
        new("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, city FROM customers"), world.Crm, 1)]);

    private async Task<Core.Runs.RunView> UpdateRunAsync(string sql)
    {
        var script = await world.TransformAsync(sql, TransformationType.Update, "customers");
        _users = await UsersAsync();
        return await world.RunAsync(await world.TaskAsync([await CustomersAsync()], transformations: [script]));
    }

    private async Task AssertFailedCleanlyAsync(Core.Runs.RunView run, string expected)
    {
        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains(expected, run.Error);
        Assert.Equal(("Transform", "Failed"), (run.Steps[^1].Step, run.Steps[^1].Status));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_roles WHERE rolname = 'etl_sbx_{run.Id:N}'"));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM run_{run.Id:N}._outbox"));
        Assert.Equal(_users, await UsersAsync());
    }

    public static TheoryData<string> Stubborn() => new()
    {
        // The session's own limit lifted…
        "UPDATE customers SET city = city; SET statement_timeout = 0; SELECT pg_sleep(20)",
        // …and every cancel caught: only terminating the backend ends it.
        "UPDATE customers SET city = city; SET statement_timeout = 0; DO $$ BEGIN FOR i IN 1..20 LOOP BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$",
    };

    [Theory]
    [MemberData(nameof(Stubborn))]
    public async Task A_script_cannot_lift_its_time_limit(string sql) =>
        await AssertFailedCleanlyAsync(await UpdateRunAsync(sql), "Transformation 1 (Update into customers) ran longer than 2 s and was stopped.");

    public static TheoryData<string, string> LeftBehind() => new()
    {
        { "CREATE VIEW peek WITH (security_invoker = true) AS SELECT 1 AS one", "view " },
        { "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function " },
        { "CREATE TABLE t1 (a int); CREATE TRIGGER t1_trg BEFORE UPDATE ON t1 FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()", "trigger t1_trg" },
        { "CREATE TABLE t1 (a int); CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; CREATE TRIGGER t1_trg BEFORE INSERT ON t1 FOR EACH ROW EXECUTE FUNCTION tf()", "trigger t1_trg" },
        { "CREATE TABLE t2 (a int); CREATE RULE r2 AS ON INSERT TO t2 DO INSTEAD NOTHING", "rule r2" },
        { "CREATE TABLE t3 (a int); CREATE POLICY p3 ON t3 USING (true)", "policy p3" },
        { "CREATE TABLE t4 (a text DEFAULT current_user)", "default value for column a" },
        { "CREATE TABLE t5 (a int, b int GENERATED ALWAYS AS (a * 2) STORED)", "column b" },
        { "CREATE TABLE t6 (a text); CREATE INDEX t6_lower ON t6 (lower(a))", "index " },
        { "CREATE TABLE t7 (a int CHECK (a > 0))", "constraint t7_a_check" },
        { "CREATE SEQUENCE s8", "sequence " },
        { "CREATE TYPE mood AS ENUM ('ok')", "type " },
    };

    [Theory]
    [MemberData(nameof(LeftBehind))]
    public async Task Anything_but_plain_tables_left_in_the_schema_fails_the_run_before_the_application_touches_it(string sql, string expected)
    {
        var run = await UpdateRunAsync("UPDATE customers SET city = upper(city); " + sql);
        await AssertFailedCleanlyAsync(run, expected);
        Assert.Contains("may leave only plain tables", run.Error);
    }

    [Fact]
    public async Task Helper_tables_a_script_leaves_are_dropped_with_its_role()
    {
        var run = await UpdateRunAsync("CREATE TABLE helper AS SELECT id FROM customers; UPDATE customers SET city = upper(city) WHERE id IN (SELECT id FROM helper)");
        Assert.Equal(RunState.Prepared, run.State);
        Assert.Equal(DBNull.Value, await world.ScalarAsync($"SELECT to_regclass('run_{run.Id:N}.helper')::text"));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_roles WHERE rolname = 'etl_sbx_{run.Id:N}'"));
    }

    [Fact]
    public async Task A_script_cannot_read_another_runs_schema()
    {
        var other = await world.RunAsync(await world.TaskAsync([await CustomersAsync()]));
        Assert.Equal(RunState.Prepared, other.State);
        var peek = await world.TransformAsync($"SELECT * FROM run_{other.Id:N}.customers", TransformationType.Merge, "peeked");
        _users = await UsersAsync();
        var run = await world.RunAsync(await world.TaskAsync([await CustomersAsync()], transformations: [peek]));
        await AssertFailedCleanlyAsync(run, $"permission denied for schema run_{other.Id:N}");
    }
}

/// <summary>A world whose transformations may take 16 MB of disk, and a minute.</summary>
public sealed class SmallDiskWorld : PipelineWorld
{
    protected override void Configure(IServiceCollection services)
    {
        base.Configure(services);
        services.Configure<PipelineOptions>(o => (o.TransformDiskSpace, o.TransformTimeout) = ("16MB", TimeSpan.FromMinutes(1)));
    }
}

public sealed class SandboxDiskTests(SmallDiskWorld world) : IClassFixture<SmallDiskWorld>
{
    [Fact]
    public async Task A_script_that_fills_the_disk_is_stopped_and_its_space_given_back()
    {
        var customers = new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, city FROM customers"), world.Crm, 1)]);
        var fill = await world.TransformAsync("SELECT g, md5(g::text) AS a, md5((-g)::text) AS b FROM generate_series(1, 5000000) g, (SELECT 1 FROM customers LIMIT 1) c", TransformationType.Merge, "big");
        var before = (long)(await world.ScalarAsync("SELECT pg_database_size(current_database())"))!;

        var run = await world.RunAsync(await world.TaskAsync([customers], transformations: [fill]));

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal("Transformation 1 (Merge into big) took more than 16MB of disk space (Pipeline:TransformDiskSpace) and was stopped.", run.Error);
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_roles WHERE rolname = 'etl_sbx_{run.Id:N}'"));
        Assert.Equal(DBNull.Value, await world.ScalarAsync($"SELECT to_regclass('run_{run.Id:N}.big')::text"));
        // The aborted table's files are gone with its transaction: far less than the 16 MB it was stopped past remains.
        Assert.True((long)(await world.ScalarAsync("SELECT pg_database_size(current_database())"))! - before < 16L << 20);
    }

    [Fact]
    public async Task Space_other_work_commits_meanwhile_does_not_count_against_the_run()
    {
        var customers = new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, city FROM customers"), world.Crm, 1)]);
        var wait = await world.TransformAsync("SELECT c.* FROM customers c, (SELECT pg_sleep(6)) s", TransformationType.Merge, "waited");
        var task = await world.TaskAsync([customers], transformations: [wait]);

        var running = Task.Run(() => world.RunAsync(task));
        await using var owner = new Npgsql.NpgsqlConnection(world.OwnerConnectionString);
        await owner.OpenAsync();
        async Task<object?> Scalar(string sql)
        {
            await using var cmd = new Npgsql.NpgsqlCommand(sql, owner);
            return await cmd.ExecuteScalarAsync();
        }
        while (!(bool)(await Scalar("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'EtlStudio transformation' AND query LIKE '%pg_sleep%')"))!)
        {
            Assert.False(running.IsCompleted, "The run ended before its script started.");
            await Task.Delay(50);
        }
        // 40 MB committed elsewhere in the same database while the script runs, 8 MB at a time: more than the run's
        // 16 MB, though no one commit is.
        await Scalar("CREATE TABLE public.elsewhere (g bigint, a text)");
        for (var i = 0; i < 5; i++)
            await Scalar($"INSERT INTO public.elsewhere SELECT g, md5(g::text) FROM generate_series({i * 120_000 + 1}, {(i + 1) * 120_000}) g");
        Assert.True((long)(await Scalar("SELECT pg_total_relation_size('public.elsewhere')"))! > 32L << 20);

        var run = await running;
        Assert.Equal(RunState.Prepared, run.State);
        await Scalar("DROP TABLE public.elsewhere");
    }
}
