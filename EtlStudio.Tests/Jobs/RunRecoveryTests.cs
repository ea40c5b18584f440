using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// The worker process executing a run is killed with SIGKILL in the middle of a step; the other worker, already running
/// on the same storage, takes the run over within <see cref="TakeoverBound"/> (the README states it) and resumes it
/// after its last finished step, and the outbox, transformation tables and rejects equal those of an uninterrupted run
/// with the same seed.
/// </summary>
public sealed class RunRecoveryTests(RunRecoveryTests.World world, ITestOutputHelper output) : IClassFixture<RunRecoveryTests.World>
{
    /// <summary>Jobs:InvisibilityTimeout (15 s) after the dead worker's last keep-alive, plus queue polling and start-up.</summary>
    public static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(20);

    /// <summary>The pipeline world with room for the slow transformation the tests kill a worker in.</summary>
    public sealed class World : PipelineWorld
    {
        protected override void Configure(IServiceCollection services)
        {
            base.Configure(services);
            services.Configure<PipelineOptions>(o => o.TransformTimeout = TimeSpan.FromSeconds(60));
            // The nodes started on this database find the Hangfire storage installed, as the migration Job leaves it.
            services.AddSingleton<IDatabaseSchemaInstaller, HangfireSchemaInstaller>();
        }
    }

    [Fact]
    public async Task A_worker_killed_during_Transform_is_replaced_within_the_bound_and_the_run_ends_as_an_uninterrupted_one()
    {
        var task = await TaskAsync();
        var reference = await world.RunAsync(task);
        Assert.True(reference.State == RunState.Prepared, reference.Error);

        var runId = await StartAsync(task);
        await using var a = WorkerProcess.Start(world.ConnectionString, "worker-a");
        await using var b = WorkerProcess.Start(world.ConnectionString, "worker-b");
        // The transformation sleeps a few seconds: the moment to kill its worker.
        await KillHolderAndAwaitTakeoverAsync(runId, PipelineStep.Transform, a, b, afterKill: () => Task.CompletedTask);

        await AssertEndsLikeAsync(reference.Id, runId, a, b);
    }

    [Fact]
    public async Task A_worker_killed_during_Merge_is_replaced_within_the_bound_and_the_run_ends_as_an_uninterrupted_one()
    {
        var task = await TaskAsync();
        var reference = await world.RunAsync(task);
        Assert.True(reference.State == RunState.Prepared, reference.Error);

        var runId = await StartAsync(task);
        // Merge's first statement empties the run's key-change table: with that table created ahead (as Merge itself
        // would) and locked by the test, the worker stops inside Merge's transaction until the test lets go.
        var schema = StagingLayout.SchemaFor(runId);
        await using var blocker = new NpgsqlConnection(world.ConnectionString);
        await blocker.OpenAsync();
        await using (var create = new NpgsqlCommand($"""
            CREATE SCHEMA {Sql.Ident(schema)};
            CREATE TABLE {Sql.Table(schema, StagingLayout.KeyChanges)} (
                table_name text NOT NULL, row_id bigint NOT NULL, column_name text NOT NULL, old_key text NOT NULL, new_key text NOT NULL);
            """, blocker)) await create.ExecuteNonQueryAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockIt = new NpgsqlCommand($"LOCK TABLE {Sql.Table(schema, StagingLayout.KeyChanges)} IN ACCESS EXCLUSIVE MODE", blocker, hold))
            await lockIt.ExecuteNonQueryAsync();

        await using var a = WorkerProcess.Start(world.ConnectionString, "worker-a");
        await using var b = WorkerProcess.Start(world.ConnectionString, "worker-b");
        await KillHolderAndAwaitTakeoverAsync(runId, PipelineStep.Merge, a, b, afterKill: () => hold.CommitAsync());

        await AssertEndsLikeAsync(reference.Id, runId, a, b);
    }

    private async Task<Guid> TaskAsync()
    {
        var customers = new TableConfig("customers",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, []), new ColumnConfig("age", FieldType.Integer, []),
             new ColumnConfig("city", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age, city FROM customers ORDER BY id"), world.Crm, 10),
             new ExtractionConfig(await world.ExtractorAsync("SELECT id, name, age, city FROM customers ORDER BY id"), world.Billing, 5)]);
        var noise = await world.ScriptAsync(new ScriptInput("noise", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(AnonymizationMethod.Perturbation, new Dictionary<string, string> { ["distribution"] = "gaussian", ["scale"] = "3" })));
        var shuffle = await world.ScriptAsync(new ScriptInput("shuffle", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(AnonymizationMethod.Permutation, new Dictionary<string, string>())));
        var slow = await world.TransformAsync("SELECT c.city, count(*) AS n FROM customers c CROSS JOIN pg_sleep(4) GROUP BY c.city", TransformationType.Merge, "by_city");
        return await world.TaskAsync([customers], transformations: [slow],
            anonymization: [new AnonymizationBinding("customers", "age", noise, false, false), new AnonymizationBinding("customers", "city", shuffle, false, false)],
            privacy: new PrivacySettings(null, null, 20261201));
    }

    /// <summary>Starts the run through a web-only node: it enqueues on the shared storage and executes nothing itself.</summary>
    private async Task<Guid> StartAsync(Guid task)
    {
        await using var web = await JobsNode.StartAsync(new ExistingDatabase(world.ConnectionString), settings: new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" });
        return await web.Get<PipelineRunService>().StartAsync(world.Owner, task);
    }

    private async Task KillHolderAndAwaitTakeoverAsync(Guid runId, PipelineStep step, WorkerProcess a, WorkerProcess b, Func<Task> afterKill)
    {
        string? holder = null;
        await WaitAsync(async () => await world.ScalarAsync($"SELECT current_step FROM app.pipeline_runs WHERE id = '{runId}'") as string == step.ToString()
            && (holder = await HolderAsync(runId)) is not null, $"a worker to execute the run's {step}", 120, a, b);
        await WaitAsync(async () => Convert.ToInt64(await world.ScalarAsync("SELECT count(*) FROM hangfire.server")) >= 2, "both workers to be up", 60, a, b);
        var (victim, survivor) = holder == "worker-a" ? (a, "worker-b") : (b, "worker-a");

        await victim.KillAsync();
        var killed = DateTime.UtcNow;
        await afterKill();
        Assert.Equal("Running", await world.ScalarAsync($"SELECT state FROM app.pipeline_runs WHERE id = '{runId}'"));
        await WaitAsync(async () => await HolderAsync(runId) == survivor, $"{survivor} to take the run over", (int)TakeoverBound.TotalSeconds, a, b);
        output.WriteLine($"Killed {holder} during {step}; {survivor} took the run over after {(DateTime.UtcNow - killed).TotalSeconds:F1} s.");
    }

    /// <summary>The application name of the worker session holding the run's lock, if any.</summary>
    private async Task<string?> HolderAsync(Guid runId)
    {
        var key = RunLock.PipelineKey(runId);
        return await world.ScalarAsync($"""
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = {(long)(uint)(key >> 32)} AND l.objid::bigint = {(long)(uint)key}
            """) as string;
    }

    private async Task AssertEndsLikeAsync(Guid referenceId, Guid runId, WorkerProcess a, WorkerProcess b)
    {
        await WaitAsync(async () => await world.ScalarAsync($"SELECT state FROM app.pipeline_runs WHERE id = '{runId}'") is "Prepared" or "Failed",
            "the run to end", 120, a, b);
        var recovered = await world.Get<PipelineRunService>().GetAsync(world.Owner, runId);
        Assert.Equal(RunState.Prepared, recovered.State);
        // Steps finished before the kill were not done again.
        Assert.True(recovered.Steps.Single(s => s.Step == "Extract").FinishedAt < recovered.Steps.Single(s => s.Step == "Transform").StartedAt);

        foreach (var table in new[] { "customers", "by_city" })
            Assert.Equal(await FingerprintAsync(referenceId, table), await FingerprintAsync(runId, table));
        Assert.Equal(await RejectsAsync(referenceId), await RejectsAsync(runId));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, int seconds, WorkerProcess a, WorkerProcess b)
    {
        try { await Eventually.TrueAsync(condition, what, seconds); }
        catch (TimeoutException e) { throw new TimeoutException($"{e.Message}\nworker-a log:\n{a.Log}\nworker-b log:\n{b.Log}", e); }
    }

    private async Task<string> FingerprintAsync(Guid run, string table)
    {
        var order = table == "customers" ? "_row" : "city";
        var columns = table == "customers" ? "id, name, age, city" : "city, n";
        return (string)(await world.ScalarAsync($"SELECT md5(string_agg(row({columns})::text, '|' ORDER BY {order})) FROM {Sql.Table(StagingLayout.SchemaFor(run), table)}"))!;
    }

    private async Task<string?> RejectsAsync(Guid run) => await world.ScalarAsync(
        $"SELECT md5(string_agg(row(step, table_name, rule, column_name, reason, row_id, record::text)::text, '|' ORDER BY step, table_name, row_id, rule, column_name)) FROM {Sql.Table(StagingLayout.SchemaFor(run), StagingLayout.Rejects)}") as string;
}
