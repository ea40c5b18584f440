using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// A worker process killed with SIGKILL in the middle of a run: another worker picks the run up from its last finished
/// step, and the outbox equals that of an uninterrupted run with the same seed.
/// </summary>
public sealed class RunRecoveryTests(RunRecoveryTests.World world) : IClassFixture<RunRecoveryTests.World>
{
    /// <summary>The pipeline world with room for the slow transformation the test kills the worker in.</summary>
    public sealed class World : PipelineWorld
    {
        protected override void Configure(IServiceCollection services)
        {
            base.Configure(services);
            services.Configure<PipelineOptions>(o => o.TransformTimeout = TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task A_worker_killed_mid_run_is_replaced_and_the_run_ends_with_the_outbox_of_an_uninterrupted_run()
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
        // A transformation that takes a few seconds gives the test its moment to kill the worker.
        var slow = await world.TransformAsync("SELECT c.city, count(*) AS n FROM customers c CROSS JOIN pg_sleep(4) GROUP BY c.city", TransformationType.Merge, "by_city");
        var task = await world.TaskAsync([customers], transformations: [slow],
            anonymization: [new AnonymizationBinding("customers", "age", noise, false, false), new AnonymizationBinding("customers", "city", shuffle, false, false)],
            privacy: new PrivacySettings(null, null, 20261201));

        var reference = await world.RunAsync(task);
        Assert.True(reference.State == RunState.Prepared, reference.Error);

        // The same task again, this time on worker processes through the Quartz job store.
        await using var scheduling = await JobsNode.StartAsync(new ExistingDatabase(world.ConnectionString), settings: new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" });
        var runId = await scheduling.Get<PipelineRunService>().StartAsync(world.Owner, task);
        await using (var first = WorkerProcess.Start(world.ConnectionString))
        {
            await WaitAsync(async () => await world.ScalarAsync($"SELECT current_step FROM app.pipeline_runs WHERE id = '{runId}'") is "Transform",
                "the first worker to reach the transformation", first, 90);
            await first.KillAsync();
        }
        Assert.Equal("Running", await world.ScalarAsync($"SELECT state FROM app.pipeline_runs WHERE id = '{runId}'"));

        await using var second = WorkerProcess.Start(world.ConnectionString);
        await WaitAsync(async () => await world.ScalarAsync($"SELECT state FROM app.pipeline_runs WHERE id = '{runId}'") is "Prepared" or "Failed",
            "the second worker to pick the run up and end it", second, 120);
        var recovered = await world.Get<PipelineRunService>().GetAsync(world.Owner, runId);
        Assert.Equal(RunState.Prepared, recovered.State);
        // Steps finished before the kill were not done again.
        Assert.True(recovered.Steps.Single(s => s.Step == "Extract").FinishedAt < recovered.Steps.Single(s => s.Step == "Transform").StartedAt);

        foreach (var table in new[] { "customers", "by_city" })
            Assert.Equal(await FingerprintAsync(reference.Id, table), await FingerprintAsync(runId, table));
        Assert.Equal(await world.ScalarAsync($"SELECT count(*) FROM run_{reference.Id:N}._rejects"), await world.ScalarAsync($"SELECT count(*) FROM run_{runId:N}._rejects"));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, WorkerProcess worker, int seconds)
    {
        try { await Eventually.TrueAsync(condition, what, seconds); }
        catch (TimeoutException e) { throw new TimeoutException($"{e.Message}\nworker log:\n{worker.Log}", e); }
    }

    private async Task<string> FingerprintAsync(Guid run, string table)
    {
        var order = table == "customers" ? "_row" : "city";
        var columns = table == "customers" ? "id, name, age, city" : "city, n";
        return (string)(await world.ScalarAsync($"SELECT md5(string_agg(row({columns})::text, '|' ORDER BY {order})) FROM {Sql.Table(StagingLayout.SchemaFor(run), table)}"))!;
    }
}
