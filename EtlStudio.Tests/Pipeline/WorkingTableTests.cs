using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// The engine's working tables are unlogged (but a table published as extracted, which is logged from the start and
/// never copied to make it logged): after a server crash PostgreSQL empties every unlogged table, and a run
/// resumed after that must start again from its sources rather than carry on from empty tables. The outbox itself is
/// logged and keyed. Crash recovery is reproduced exactly as PostgreSQL does it: every unlogged table of the schema
/// emptied at once.
/// </summary>
public sealed class WorkingTableTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private async Task<Guid> TaskAsync(bool generalizeAge = false)
    {
        var customers = new TableConfig("customers",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []),
             new ColumnConfig("age", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age, city FROM customers"), world.Crm, 10),
             new ExtractionConfig(await world.ExtractorAsync("SELECT * FROM customers"), world.Billing, 5)]);
        var orders = new TableConfig("orders",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("customer_id", FieldType.Integer, []), new ColumnConfig("amount", FieldType.Double, [])],
            "id", MergeStrategy.SourcePriority, [new ForeignKeyConfig("customer_id", "customers", "id")],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT * FROM orders"), world.Crm, 1)]);
        // A range rule without an empty rule: Cid's empty age is kept, Bob's 150 goes.
        var rules = new[] { new FieldRuleBinding("customers", "age", [await world.RuleAsync(FieldType.Integer, FieldRuleType.RemoveOutOfRange, min: "0", max: "120")]) };
        var totals = await world.TransformAsync("SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id", TransformationType.Merge, "order_counts");
        var bands = generalizeAge
            ? await world.ScriptAsync(new ScriptInput("bands", ScriptKind.AnonymizationRule, null, "",
                Anonymization: new AnonymizationSettings(AnonymizationMethod.Generalization, new Dictionary<string, string> { ["width"] = "10" })))
            : (Guid?)null;
        return await world.TaskAsync([customers, orders], rules, [totals],
            bands is { } b ? [new AnonymizationBinding("customers", "age", b, false, false)] : null);
    }

    [Fact]
    public async Task A_range_rule_keeps_an_empty_value_and_every_extracted_record_is_kept_or_rejected()
    {
        var run = await world.RunAsync(await TaskAsync());

        Assert.Equal(RunState.Prepared, run.State);
        var customers = await world.RowsAsync(run.Id, "customers");
        Assert.Contains(customers, c => c["name"].GetString() == "Cid");
        Assert.DoesNotContain(customers, c => c["name"].GetString() == "Bob");
        var rules = run.Steps.Single(s => s.Step == "FieldRules");
        Assert.Equal(run.Steps.Single(s => s.Step == "Extract").RowsOut, rules.RowsIn);
        Assert.Equal(rules.RowsIn, rules.RowsOut + rules.RowsRejected);
        Assert.Equal(rules.RowsRejected, (await world.RejectsAsync(run.Id)).Count(r => r.Step == "FieldRules"));
    }

    [Fact]
    public async Task The_outbox_is_logged_and_keyed_and_only_the_crash_marker_stays_unlogged()
    {
        var run = await world.RunAsync(await TaskAsync());

        var schema = StagingLayout.SchemaFor(run.Id);
        var tables = await TablesAsync(schema);
        Assert.Equal(["_alive"], tables.Where(t => t.Unlogged).Select(t => t.Name));
        var outbox = (await world.CatalogAsync(run.Id)).Select(t => t.Name).Order().ToList();
        Assert.Equal(["customers", "order_counts", "orders"], outbox);
        Assert.All(outbox, name => Assert.True(tables.Single(t => t.Name == name).Keyed, $"{name} has no primary key"));
        Assert.DoesNotContain(tables, t => t.Name.StartsWith("__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_table_published_as_extracted_is_logged_from_the_start_keyed_beside_the_transformations_and_never_rewritten()
    {
        var checkpoint = new MemoryCheckpoint(pauseBefore: PipelineStep.FieldRules);
        await OnTheEngineAsync(async (engine, job, expected) =>
        {
            Assert.False((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            // Customers' age is generalized (the anonymizer writes the published table anew); orders go out as extracted.
            var extracted = await TablesAsync(job.Schema);
            Assert.True(extracted.Single(t => t.Name == "__x0").Unlogged);
            Assert.False(extracted.Single(t => t.Name == "__x1").Unlogged);
            var ordersFile = await FileNodeAsync(job.Schema, "__x1");

            // Nothing but deletions changes orders after the transformations, so its key is built beside them.
            checkpoint.Resume(pauseBefore: PipelineStep.Anonymize);
            Assert.False((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            var transformed = await TablesAsync(job.Schema);
            Assert.True(transformed.Single(t => t.Name == "orders").Keyed);
            Assert.False(transformed.Single(t => t.Name == "customers").Keyed);

            checkpoint.Resume(pauseBefore: null);
            Assert.True((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            Assert.Equal(expected, await OutboxAsync(job.RunId));
            Assert.Equal(ordersFile, await FileNodeAsync(job.Schema, "orders"));
            var tables = await TablesAsync(job.Schema);
            Assert.Equal(["_alive"], tables.Where(t => t.Unlogged).Select(t => t.Name));
        }, generalizeAge: true);
    }

    [Fact]
    public async Task After_a_server_crash_empties_the_working_tables_a_resumed_run_starts_again_from_its_sources()
    {
        var checkpoint = new MemoryCheckpoint(pauseBefore: PipelineStep.Transform);
        await OnTheEngineAsync(async (engine, job, expected) =>
        {
            Assert.False((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            Assert.Equal([PipelineStep.Extract, PipelineStep.FieldRules, PipelineStep.Merge, PipelineStep.ForeignKeys], checkpoint.Started);

            // Without a crash the run goes on from where it paused.
            checkpoint.Resume(pauseBefore: PipelineStep.Anonymize);
            Assert.False((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            Assert.Equal([PipelineStep.Transform], checkpoint.Started);

            // The server crashes: recovery empties every unlogged table. The finished steps' results are gone.
            await EmptyUnloggedTablesAsync(job.Schema);
            checkpoint.Resume(pauseBefore: null);
            Assert.True((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            Assert.Equal(Enum.GetValues<PipelineStep>(), checkpoint.Started);
            Assert.Equal(expected, await OutboxAsync(job.RunId));
        });
    }

    [Fact]
    public async Task An_outbox_step_that_fails_after_its_tables_were_made_logged_is_retried_to_the_same_outbox()
    {
        // The step's side connections commit its tables logged and keyed; then the step fails and its transaction rolls back.
        var checkpoint = new MemoryCheckpoint(pauseBefore: null) { FailFinishing = PipelineStep.Outbox };
        await OnTheEngineAsync(async (engine, job, expected) =>
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => engine.RunAsync(job, checkpoint, CancellationToken.None));
            var afterFailure = await TablesAsync(job.Schema);
            Assert.True(afterFailure.Single(t => t.Name == "customers") is { Unlogged: false, Keyed: true });

            checkpoint.Resume(pauseBefore: null);
            Assert.True((await engine.RunAsync(job, checkpoint, CancellationToken.None)).Completed);
            Assert.Equal([PipelineStep.Outbox], checkpoint.Started);
            Assert.Equal(expected, await OutboxAsync(job.RunId));
            var tables = await TablesAsync(job.Schema);
            Assert.Equal(["_alive"], tables.Where(t => t.Unlogged).Select(t => t.Name));
            Assert.DoesNotContain(tables, t => t.Name.StartsWith("__", StringComparison.Ordinal));
        });
    }

    /// <summary>
    /// Runs the task once through the service for the outbox it should give, then hands <paramref name="body"/> the
    /// engine and a job of its own to drive, and drops the job's schema afterwards.
    /// </summary>
    private async Task OnTheEngineAsync(Func<PipelineEngine, PipelineJob, List<string>, Task> body, bool generalizeAge = false)
    {
        var reference = await world.RunAsync(await TaskAsync(generalizeAge));
        var expected = await OutboxAsync(reference.Id);
        var task = await world.Get<TaskService>().ResolveForRunAsync(await TaskAsync(generalizeAge));
        var runId = Guid.NewGuid();
        var job = new PipelineJob(runId, StagingLayout.SchemaFor(runId), task, Seed: 1);
        try { await body(world.Get<PipelineEngine>(), job, expected); }
        finally { await world.ScalarAsync(StagingLayout.DropSql(job.Schema)); }
    }

    /// <summary>Every outbox table as text, row by row, without the row ids (which depend on extraction order only).</summary>
    private async Task<List<string>> OutboxAsync(Guid runId)
    {
        var rows = new List<string>();
        foreach (var t in await world.CatalogAsync(runId))
            rows.AddRange((await world.RowsAsync(runId, t.Name)).Select(r => t.Name + ": " + string.Join(", ", r.Where(kv => kv.Key != "_row").OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"))).Order());
        return rows;
    }

    private async Task<List<(string Name, bool Unlogged, bool Keyed)>> TablesAsync(string schema)
    {
        await using var conn = new NpgsqlConnection(world.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT c.relname, c.relpersistence = 'u', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s AND c.relkind = 'r' ORDER BY 1
            """, conn);
        cmd.Parameters.AddWithValue("s", schema);
        var list = new List<(string, bool, bool)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add((r.GetString(0), r.GetBoolean(1), r.GetBoolean(2)));
        return list;
    }

    /// <summary>The table's file: a rewrite (SET LOGGED of an unlogged table, say) gives it a new one.</summary>
    private async Task<long> FileNodeAsync(string schema, string table) =>
        Convert.ToInt64(await world.ScalarAsync($"SELECT relfilenode FROM pg_class WHERE oid = to_regclass('{Sql.Table(schema, table).Replace("'", "''")}')"));

    private async Task EmptyUnloggedTablesAsync(string schema)
    {
        var unlogged = (await TablesAsync(schema)).Where(t => t.Unlogged).Select(t => Sql.Table(schema, t.Name)).ToList();
        Assert.Contains(Sql.Table(schema, StagingLayout.Alive), unlogged);
        await world.ScalarAsync($"TRUNCATE {string.Join(", ", unlogged)}");
    }

    /// <summary>Checkpoints kept in memory, pausing before a chosen step; records which steps each attempt started.</summary>
    private sealed class MemoryCheckpoint(PipelineStep? pauseBefore) : IRunCheckpoint
    {
        private readonly HashSet<PipelineStep> _finished = [];
        private PipelineStep? _pauseBefore = pauseBefore;
        private PipelineStep? _next;

        public List<PipelineStep> Started { get; } = [];

        /// <summary>A step whose finishing fails once, inside its transaction, after all its work.</summary>
        public PipelineStep? FailFinishing { get; set; }

        public void Resume(PipelineStep? pauseBefore) => (_pauseBefore, _next) = (pauseBefore, null);

        public Task<IReadOnlySet<PipelineStep>> FinishedStepsAsync(CancellationToken ct)
        {
            Started.Clear();
            return Task.FromResult<IReadOnlySet<PipelineStep>>(_finished.ToHashSet());
        }

        public Task StepStartedAsync(PipelineStep step, CancellationToken ct)
        {
            Started.Add(step);
            return Task.CompletedTask;
        }

        public Task ProgressAsync(PipelineStep step, long rows, CancellationToken ct) => Task.CompletedTask;

        public Task StepFinishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, StepResult result, CancellationToken ct)
        {
            if (result.Step == FailFinishing)
            {
                FailFinishing = null;
                throw new InvalidOperationException("the checkpoint could not be written");
            }
            _finished.Add(result.Step);
            _next = result.Step + 1;
            return Task.CompletedTask;
        }

        public Task<bool> PauseRequestedAsync(CancellationToken ct) => Task.FromResult(_pauseBefore is { } p && (_next ?? FirstUnfinished()) == p);

        private PipelineStep FirstUnfinished() => Enum.GetValues<PipelineStep>().First(s => !_finished.Contains(s));
    }
}
