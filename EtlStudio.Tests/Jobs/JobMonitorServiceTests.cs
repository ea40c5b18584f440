using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Jobs.Maintenance;
using EtlStudio.Jobs.Monitor;
using EtlStudio.Jobs.Runs;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Jobs;

public sealed class JobMonitorServiceTests
{
    [Fact]
    public async Task The_monitor_shows_jobs_by_state_and_retries_and_cancels_them_with_an_audit_entry_each()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var held = Guid.NewGuid();
        var executor = new RecordingExecutor { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously), Held = id => id == held };
        // One worker thread: while the held run executes, anything else waits in the queue.
        await using var node = await JobsNode.StartAsync(db, s => s.AddExecutors(executor), new Dictionary<string, string?> { ["Jobs:MaxConcurrency"] = "1" });
        var monitor = node.Get<JobMonitorService>();
        var queue = node.Get<IRunQueue>();
        var manager = await node.CreateUserAsync("manager", UserRole.ProcessEtlTask);

        var succeeded = Guid.NewGuid();
        await queue.EnqueueRunAsync(succeeded);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(succeeded));
        var failed = Guid.NewGuid();
        executor.Fail = id => id == failed ? new InvalidOperationException("source unreachable") : null;
        await queue.EnqueueRunAsync(failed);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(failed));
        var paused = await node.CreateRunAsync(manager, RunState.Paused, DateTimeOffset.UtcNow, withOutbox: false);
        await queue.EnqueueRunAsync(paused);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(paused));
        await queue.EnqueueRunAsync(held);
        await executor.Started(held);
        var waiting = Guid.NewGuid();
        await queue.EnqueueUploadAsync(waiting);

        var all = await monitor.ListJobsAsync(manager, null, new PageRequest(1, 50));
        Assert.Equal(5, all.Total);
        Assert.Equal(JobState.Succeeded, Find(all, succeeded).State);
        var failedView = Find(all, failed);
        Assert.Equal(JobState.Failed, failedView.State);
        Assert.Contains("source unreachable", failedView.LastError);
        Assert.Equal((JobState.Paused, "Paused", 1), (Find(all, paused).State, Find(all, paused).RunState, Find(all, paused).RunNumber));
        Assert.NotNull(Find(all, paused).TaskName);
        Assert.Equal(JobState.Running, Find(all, held).State);
        Assert.Equal((JobState.Queued, true), (Find(all, waiting).State, Find(all, waiting).IsUpload));
        Assert.Equal([RunJobKeys.Run(failed).Name], (await monitor.ListJobsAsync(manager, JobState.Failed, new PageRequest())).Items.Select(j => j.Name));

        // Cancel the waiting upload before it starts, then the running run on whichever node runs it.
        await monitor.CancelAsync(manager, JobGroups.Uploads, RunJobKeys.Upload(waiting).Name);
        Assert.Equal(0, await db.TriggerCountAsync(RunJobKeys.Upload(waiting)));
        await monitor.CancelAsync(manager, JobGroups.Runs, RunJobKeys.Run(held).Name);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(held));
        // Retry the failed run; this time it succeeds.
        executor.Fail = _ => null;
        await monitor.RetryAsync(manager, JobGroups.Runs, RunJobKeys.Run(failed).Name);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(failed), executions: 2);

        all = await monitor.ListJobsAsync(manager, null, new PageRequest(1, 50));
        Assert.Equal(JobState.Cancelled, Find(all, waiting).State);
        Assert.Equal(JobState.Cancelled, Find(all, held).State);
        Assert.Equal((JobState.Succeeded, 2L), (Find(all, failed).State, Find(all, failed).Executions));
        Assert.Equal(0, executor.Executions(waiting));
        var history = await monitor.ListExecutionsAsync(manager, JobGroups.Runs, RunJobKeys.Run(failed).Name, new PageRequest());
        Assert.Equal(["Succeeded", "Failed"], history.Items.Select(h => h.Outcome.ToString()));
        await using var check = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(["job.cancel", "job.cancel", "job.retry"],
            (await check.AuditEntries.Where(a => a.ActorId == manager.UserId && a.Outcome == AuditOutcome.Success).Select(a => a.Action).ToListAsync()).Order());
    }

    [Fact]
    public async Task Retrying_a_job_that_did_not_fail_is_refused()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var executor = new RecordingExecutor();
        await using var node = await JobsNode.StartAsync(db, s => s.AddExecutors(executor));
        var manager = await node.CreateUserAsync("manager", UserRole.ProcessEtlTask);
        var run = Guid.NewGuid();
        await node.Get<IRunQueue>().EnqueueRunAsync(run);
        await db.WaitUntilSettledAsync(RunJobKeys.Run(run));

        var ex = await Assert.ThrowsAsync<DomainException>(() => node.Get<JobMonitorService>().RetryAsync(manager, JobGroups.Runs, RunJobKeys.Run(run).Name));
        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        await Assert.ThrowsAsync<DomainException>(() => node.Get<JobMonitorService>().CancelAsync(manager, JobGroups.Runs, "run-nothing"));
        Assert.Equal(1, executor.Executions(run));
    }

    [Fact]
    public async Task Viewing_needs_admin_or_process_etl_task_and_acting_needs_process_etl_task()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db);
        var monitor = node.Get<JobMonitorService>();
        var nobody = await node.CreateUserAsync("dave");
        var admin = await node.CreateUserAsync("admin", UserRole.Admin);

        var denied = await Assert.ThrowsAsync<DomainException>(() => monitor.ListJobsAsync(nobody, null, new PageRequest()));
        Assert.Equal(ErrorKind.PermissionDenied, denied.Kind);
        await Assert.ThrowsAsync<DomainException>(() => monitor.ListNodesAsync(nobody));
        Assert.Equal(0, (await monitor.ListJobsAsync(admin, null, new PageRequest())).Total);
        Assert.Equal(2, (await monitor.ListRecurringAsync(admin)).Count);
        var refused = await Assert.ThrowsAsync<DomainException>(() => monitor.TriggerNowAsync(admin, MaintenanceJobKeys.OutboxRetention.Name));
        Assert.Equal(ErrorKind.PermissionDenied, refused.Kind);

        await using var check = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(["job.trigger", "job.view", "job.view"],
            (await check.AuditEntries.Where(a => a.Outcome == AuditOutcome.Denied).Select(a => a.Action).ToListAsync()).Order());
    }

    [Fact]
    public async Task Recurring_jobs_show_their_schedule_and_can_be_triggered_now_and_nodes_show_their_check_in()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db, settings: new Dictionary<string, string?> { ["Maintenance:ExpiryInterval"] = "00:10:00" });
        var monitor = node.Get<JobMonitorService>();
        var manager = await node.CreateUserAsync("manager", UserRole.ProcessEtlTask);

        var recurring = await monitor.ListRecurringAsync(manager);
        var expiry = Assert.Single(recurring, r => r.Name == MaintenanceJobKeys.AccessExpiry.Name);
        Assert.Equal(TimeSpan.FromMinutes(10), expiry.Interval);
        Assert.True(expiry.NextFireAt > DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Null(expiry.LastOutcome);

        await monitor.TriggerNowAsync(manager, MaintenanceJobKeys.AccessExpiry.Name);
        await db.WaitUntilFiredAsync(MaintenanceJobKeys.AccessExpiry, 1);
        expiry = Assert.Single(await monitor.ListRecurringAsync(manager), r => r.Name == MaintenanceJobKeys.AccessExpiry.Name);
        Assert.Equal(EtlStudio.Jobs.History.JobOutcome.Succeeded, expiry.LastOutcome);

        await Eventually.TrueAsync(async () => (await monitor.ListNodesAsync(manager)).Count == 1, "the node to check in");
        var only = Assert.Single(await monitor.ListNodesAsync(manager));
        Assert.True(only.Alive);
        Assert.Equal(TimeSpan.FromSeconds(2), only.CheckinInterval);
    }

    private static JobView Find(Paged<JobView> page, Guid runId) => Assert.Single(page.Items, j => j.RunId == runId || j.Name.EndsWith(runId.ToString("D")));
}
