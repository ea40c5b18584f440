using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Runs;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// A run's state as the job system moves it: what the dashboard's delete and requeue do in every state (and where they
/// change nothing), and a resume or a dashboard requeue racing a fast worker — the run must never be left Queued with
/// no execution behind it.
/// </summary>
public sealed class RunLifecycleTests
{
    public static TheoryData<RunState, RunState> RunJobDeleted => new()
    {
        { RunState.Queued, RunState.Cancelled }, { RunState.Paused, RunState.Cancelled }, { RunState.Failed, RunState.Cancelled },
        { RunState.Running, RunState.Running }, { RunState.Prepared, RunState.Prepared }, { RunState.Uploading, RunState.Uploading },
        { RunState.Uploaded, RunState.Uploaded }, { RunState.Cancelled, RunState.Cancelled }, { RunState.Discarded, RunState.Discarded },
    };

    public static TheoryData<RunState, RunState> RunJobRequeued => new()
    {
        { RunState.Failed, RunState.Queued }, { RunState.Paused, RunState.Queued }, { RunState.Queued, RunState.Queued },
        { RunState.Running, RunState.Running }, { RunState.Prepared, RunState.Prepared }, { RunState.Uploading, RunState.Uploading },
        { RunState.Uploaded, RunState.Uploaded }, { RunState.Cancelled, RunState.Cancelled }, { RunState.Discarded, RunState.Discarded },
    };

    public static TheoryData<RunState, RunState> UploadJobDeleted => new()
    {
        { RunState.Uploading, RunState.Prepared }, { RunState.Prepared, RunState.Prepared }, { RunState.Uploaded, RunState.Uploaded },
        { RunState.Failed, RunState.Failed },
    };

    public static TheoryData<RunState, RunState> UploadJobRequeued => new()
    {
        { RunState.Prepared, RunState.Uploading }, { RunState.Uploading, RunState.Uploading }, { RunState.Uploaded, RunState.Uploaded },
        { RunState.Discarded, RunState.Discarded },
    };

    [Theory]
    [MemberData(nameof(RunJobDeleted))]
    public Task Deleting_a_run_job(RunState from, RunState to) =>
        AssertTransitionAsync(from, to, "run.job.delete", (t, actor, run) => t.RunJobDeletedAsync(actor, run));

    [Theory]
    [MemberData(nameof(RunJobRequeued))]
    public Task Requeueing_a_run_job(RunState from, RunState to) =>
        AssertTransitionAsync(from, to, "run.job.requeue", (t, actor, run) => t.RunJobRequeuedAsync(actor, run));

    [Theory]
    [MemberData(nameof(UploadJobDeleted))]
    public Task Deleting_an_upload_job(RunState from, RunState to) =>
        AssertTransitionAsync(from, to, "upload.job.delete", (t, actor, run) => t.UploadJobDeletedAsync(actor, run));

    [Theory]
    [MemberData(nameof(UploadJobRequeued))]
    public Task Requeueing_an_upload_job(RunState from, RunState to) =>
        AssertTransitionAsync(from, to, "upload.job.requeue", (t, actor, run) => t.UploadJobRequeuedAsync(actor, run));

    [Fact]
    public async Task Deleting_the_job_of_a_running_run_asks_it_to_stop_and_a_second_delete_changes_nothing()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db, settings: new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" });
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var run = await node.CreateRunAsync(owner, RunState.Running, DateTimeOffset.UtcNow, withOutbox: false);

        Assert.Equal(RunState.Running, await node.Get<RunJobTransitions>().RunJobDeletedAsync(owner, run));
        Assert.True(await db.ScalarAsync<bool>("SELECT stop_requested FROM app.pipeline_runs WHERE id = @id", ("id", run)));
        await node.Get<RunJobTransitions>().RunJobDeletedAsync(owner, run);
        var audits = await AuditsAsync(node, run, "run.job.delete");
        Assert.Contains("stopRequested", audits[0]);
        Assert.Contains("Running (unchanged)", audits[1]);
    }

    [Fact]
    public async Task A_resume_racing_a_fast_worker_is_always_executed_and_never_left_queued()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db);
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        // A run whose definition is empty ends at once on the real executor: the fastest worker there is.
        var run = await node.CreateRunAsync(owner, RunState.Failed, DateTimeOffset.UtcNow, withOutbox: false);
        for (var round = 1; round <= 5; round++)
        {
            await node.Get<PipelineRunService>().ResumeAsync(owner, run);
            await Eventually.TrueAsync(async () => await node.StateOfAsync(run) is not (RunState.Queued or RunState.Running),
                $"resume {round} to be executed");
            await db.ExecAsync("UPDATE app.pipeline_runs SET state = 'Failed' WHERE id = @id", ("id", run));
        }
        // Every resume was carried out by a worker: each left the executor's own audit entry of the run's end.
        Assert.Equal(5, (await AuditsAsync(node, run, "run.resume")).Count);
        Assert.Equal(5, await db.ScalarAsync<long>("SELECT count(*) FROM app.audit_entries WHERE entity_id = @id AND action IN ('run.prepared', 'run.failed')",
            ("id", run.ToString())));
    }

    [Fact]
    public async Task A_dashboard_requeue_racing_a_fast_worker_queues_the_run_before_the_worker_can_see_it()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db);
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var run = await node.CreateRunAsync(owner, RunState.Failed, DateTimeOffset.UtcNow, withOutbox: false);
        await node.Get<IRunQueue>().EnqueueRunAsync(run);
        var jobId = (await db.JobsOfAsync(nameof(RunJobs.ExecuteRunAsync))).Single().Id;
        await node.WaitForStateAsync(jobId, FailedState.StateName);

        for (var round = 1; round <= 3; round++)
        {
            var before = await db.ScalarAsync<long>("SELECT count(*) FROM app.audit_entries WHERE entity_id = @id AND action IN ('run.prepared', 'run.failed')", ("id", run.ToString()));
            Assert.True(node.Get<IBackgroundJobClient>().Requeue(jobId));
            await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
                "SELECT count(*) FROM app.audit_entries WHERE entity_id = @id AND action IN ('run.prepared', 'run.failed')", ("id", run.ToString())) > before,
                $"requeue {round} to be executed by the worker");
            await Eventually.TrueAsync(() => Task.FromResult(new[] { FailedState.StateName, SucceededState.StateName }.Contains(node.StateOf(jobId))), "the job to end");
            await db.ExecAsync("UPDATE app.pipeline_runs SET state = 'Failed' WHERE id = @id", ("id", run));
        }
        Assert.Equal(3, (await AuditsAsync(node, run, "run.job.requeue")).Count);
    }

    private static async Task AssertTransitionAsync(RunState from, RunState to, string action, Func<RunJobTransitions, Core.Common.Actor, Guid, Task<RunState>> act)
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db, settings: new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" });
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var run = await node.CreateRunAsync(owner, from, DateTimeOffset.UtcNow, withOutbox: false);

        Assert.Equal(to, await act(node.Get<RunJobTransitions>(), owner, run));
        Assert.Equal(to, await node.StateOfAsync(run));
        var audit = Assert.Single(await AuditsAsync(node, run, action));
        // A running run keeps its state: what changes is the stop it is asked for.
        Assert.Contains(from == RunState.Running && action == "run.job.delete" ? "stopRequested" : from == to ? $"{from} (unchanged)" : $"\"{to}\"", audit);
    }

    private static async Task<List<string>> AuditsAsync(JobsNode node, Guid run, string action)
    {
        await using var ctx = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var id = run.ToString();
        return await ctx.AuditEntries.Where(a => a.EntityId == id && a.Action == action).OrderBy(a => a.Id).Select(a => a.ChangesJson).ToListAsync();
    }
}
