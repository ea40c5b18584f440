using EtlStudio.Core.Common;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Jobs.Monitor;
using EtlStudio.Jobs.Runs;

namespace EtlStudio.Tests.Jobs;

/// <summary>The job monitor's Retry and Cancel act on the run itself, not only on its Quartz job.</summary>
public sealed class JobMonitorRunTests(RunRecoveryTests.World world) : IClassFixture<RunRecoveryTests.World>
{
    private Task<object?> StateAsync(Guid run) => world.ScalarAsync($"SELECT state FROM app.pipeline_runs WHERE id = '{run}'");

    [Fact]
    public async Task Retrying_a_failed_run_job_queues_the_run_again_and_cancelling_a_running_one_stops_it()
    {
        await using var node = await JobsNode.StartAsync(new ExistingDatabase(world.ConnectionString));
        var monitor = node.Get<JobMonitorService>();
        var runs = node.Get<PipelineRunService>();

        var broken = await world.TaskAsync([new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, [])], null, MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT id FROM nowhere"), world.Crm, 1)])]);
        var failed = await runs.StartAsync(world.Owner, broken);
        // The run fails first; its job is settled a moment later, when the executor has returned.
        await Eventually.TrueAsync(async () => (await monitor.ListJobsAsync(world.Owner, JobState.Failed, new PageRequest(1, 50))).Items
            .Any(j => j.Name == RunJobKeys.Run(failed).Name), "the broken run's job to fail");
        Assert.Equal("Failed", await StateAsync(failed));
        await monitor.RetryAsync(world.Owner, JobGroups.Runs, RunJobKeys.Run(failed).Name);
        await Eventually.TrueAsync(async () => await world.ScalarAsync($"SELECT count(*) FROM app.audit_entries WHERE entity_id = '{failed}' AND action = 'run.failed'") is 2L,
            "the retried run to be executed again (and fail again)");

        var slow = await world.TransformAsync("SELECT c.name, count(*) AS n FROM customers c CROSS JOIN pg_sleep(20) GROUP BY c.name", TransformationType.Merge, "slow_names");
        var task = await world.TaskAsync([new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name FROM customers"), world.Crm, 1)])], transformations: [slow]);
        var running = await runs.StartAsync(world.Owner, task);
        await Eventually.TrueAsync(async () => await world.ScalarAsync($"SELECT current_step FROM app.pipeline_runs WHERE id = '{running}'") is "Transform", "the run to reach its transformation");
        await monitor.CancelAsync(world.Owner, JobGroups.Runs, RunJobKeys.Run(running).Name);
        await Eventually.TrueAsync(async () => await StateAsync(running) is "Cancelled", "the cancelled run to stop", seconds: 15);
    }
}
