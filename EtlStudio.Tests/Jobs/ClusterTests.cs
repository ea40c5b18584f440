using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Jobs.Maintenance;
using EtlStudio.Jobs.Runs;
using Quartz;

namespace EtlStudio.Tests.Jobs;

public sealed class ClusterTests
{
    [Fact]
    public async Task Two_nodes_on_one_store_execute_each_queued_run_exactly_once()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var executor = new RecordingExecutor();
        var runs = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        // Handed over by two web-only nodes, each run by both: a duplicate delivery the workers must not double.
        var webOnly = new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" };
        await using (var web1 = await JobsNode.StartAsync(db, s => s.AddExecutors(executor), webOnly))
        await using (var web2 = await JobsNode.StartAsync(db, s => s.AddExecutors(executor), webOnly))
        {
            foreach (var run in runs)
            {
                await web1.Get<IRunQueue>().EnqueueRunAsync(run);
                await web2.Get<IRunQueue>().EnqueueRunAsync(run);
            }
        }

        // Two workers then compete for the same triggers.
        await using var a = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        await using var b = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        foreach (var run in runs) await db.WaitUntilSettledAsync(RunJobKeys.Run(run));

        Assert.All(runs, run => Assert.Equal(1, executor.Executions(run)));
        Assert.Equal(runs.Count, await db.ScalarAsync<long>("SELECT count(*) FROM app.job_executions WHERE job_group = 'runs' AND outcome = 'Succeeded'"));
    }

    [Fact]
    public async Task Triggering_a_recurring_job_on_one_node_runs_it_once_in_the_cluster()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["Jobs:RetentionInterval"] = "1.00:00:00" };
        await using var a = await JobsNode.StartAsync(db, settings: settings);
        await using var b = await JobsNode.StartAsync(db, settings: settings);
        var before = await db.ExecutionsAsync(MaintenanceJobKeys.OutboxRetention);

        await (await b.Get<ISchedulerFactory>().GetScheduler()).TriggerJob(MaintenanceJobKeys.OutboxRetention);
        await db.WaitUntilFiredAsync(MaintenanceJobKeys.OutboxRetention, before + 1);
        // The manual trigger is gone once it fired, so nothing can run it a second time.
        await Eventually.TrueAsync(async () => await db.TriggerCountAsync(MaintenanceJobKeys.OutboxRetention) == 1, "only the recurring trigger to be left");

        Assert.Equal(before + 1, await db.ExecutionsAsync(MaintenanceJobKeys.OutboxRetention));
    }

    [Fact]
    public async Task Each_node_names_itself_in_the_cluster()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var a = await JobsNode.StartAsync(db);
        await using var b = await JobsNode.StartAsync(db);
        var idA = (await a.Get<ISchedulerFactory>().GetScheduler()).SchedulerInstanceId;
        var idB = (await b.Get<ISchedulerFactory>().GetScheduler()).SchedulerInstanceId;

        Assert.NotEqual(idA, idB);
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>($"SELECT count(*) FROM {JobGroups.TablePrefix}scheduler_state WHERE instance_name IN (@a, @b)",
            ("a", idA), ("b", idB)) == 2, "both nodes to check in under their ids");
    }
}
