using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Jobs;

public sealed class QuartzRunQueueTests
{
    [Fact]
    public async Task Enqueueing_a_run_twice_before_a_worker_picks_it_up_executes_it_once()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var executor = new RecordingExecutor();
        var runId = Guid.NewGuid();
        // A web-only node schedules into the store without executing anything.
        await using (var web = await JobsNode.StartAsync(db, s => s.AddExecutors(executor), new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" }))
        {
            await web.Get<IRunQueue>().EnqueueRunAsync(runId);
            await web.Get<IRunQueue>().EnqueueRunAsync(runId);
            Assert.Equal(1, await db.TriggerCountAsync(RunJobKeys.Run(runId)));
        }
        Assert.Equal(0, executor.Executions(runId));

        await using var worker = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        await db.WaitUntilSettledAsync(RunJobKeys.Run(runId));

        Assert.Equal(1, executor.Executions(runId));
        Assert.Equal(1, await db.ExecutionsAsync(RunJobKeys.Run(runId)));
    }

    [Fact]
    public async Task Enqueueing_a_run_again_while_it_executes_queues_exactly_one_follow_up()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var executor = new RecordingExecutor { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var node = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        var runId = Guid.NewGuid();

        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        await executor.Started(runId);
        // It may be a resume racing the end of a pause, so it must not be lost; three of them are still one.
        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        Assert.Equal(2, await db.TriggerCountAsync(RunJobKeys.Run(runId)));
        executor.Gate.SetResult();
        await db.WaitUntilSettledAsync(RunJobKeys.Run(runId), executions: 2);

        Assert.Equal(2, executor.Executions(runId));
    }

    [Fact]
    public async Task Enqueueing_after_the_execution_finished_runs_it_again_as_a_resume_needs()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var executor = new RecordingExecutor();
        await using var node = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        var runId = Guid.NewGuid();

        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(runId));
        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(runId), executions: 2);

        Assert.Equal(2, executor.Executions(runId));
    }

    [Fact]
    public async Task An_upload_is_its_own_job_beside_the_run()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var executor = new RecordingExecutor();
        await using var node = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        var runId = Guid.NewGuid();

        await node.Get<IRunQueue>().EnqueueUploadAsync(runId);
        await db.WaitUntilSettledAsync(RunJobKeys.Upload(runId));

        Assert.Equal(1, executor.Executions(runId));
        Assert.Equal(0, await db.ExecutionsAsync(RunJobKeys.Run(runId)));
    }
}
