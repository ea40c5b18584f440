using EtlStudio.Core.Domain;
using EtlStudio.Core.Maintenance;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Maintenance;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Jobs;

public sealed class OutboxRetentionTests
{
    [Fact]
    public async Task The_retention_job_drops_an_old_outbox_and_discards_its_run_but_leaves_fresh_and_uploaded_ones_alone()
    {
        await using var db = await JobsDatabase.CreateAsync();
        // Its first firing is a day away: the test fires the recurring job once its data is in place.
        await using var node = await JobsNode.StartAsync(db, s => s.AddExecutors(new RecordingExecutor()),
            new Dictionary<string, string?> { ["Jobs:RetentionInterval"] = "1.00:00:00" });
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var old = DateTimeOffset.UtcNow.AddDays(-8);
        var oldPrepared = await node.CreateRunAsync(owner, RunState.Prepared, old);
        var oldFailed = await node.CreateRunAsync(owner, RunState.Failed, old);
        var fresh = await node.CreateRunAsync(owner, RunState.Prepared, DateTimeOffset.UtcNow.AddDays(-6));
        var uploaded = await node.CreateRunAsync(owner, RunState.Uploaded, old);

        await node.TriggerAndWaitAsync(UpkeepJobs.OutboxRetention);

        Assert.Equal(RunState.Discarded, await node.StateOfAsync(oldPrepared));
        Assert.Equal(RunState.Discarded, await node.StateOfAsync(oldFailed));
        Assert.False(await db.SchemaExistsAsync(oldPrepared));
        Assert.False(await db.SchemaExistsAsync(oldFailed));
        Assert.Equal(RunState.Prepared, await node.StateOfAsync(fresh));
        Assert.True(await db.SchemaExistsAsync(fresh));
        Assert.Equal(RunState.Uploaded, await node.StateOfAsync(uploaded));
        Assert.True(await db.SchemaExistsAsync(uploaded));
        await using var check = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var audits = await check.AuditEntries.Where(a => a.Action == "run.discard").ToListAsync();
        Assert.Equal(new[] { oldFailed.ToString(), oldPrepared.ToString() }.Order(), audits.Select(a => a.EntityId!).Order());
        Assert.All(audits, a => Assert.Equal(("system", "job"), (a.ActorLogin, a.Source)));
        Assert.Equal(2, await check.Notifications.CountAsync(n => n.UserId == owner.UserId && n.Title == "Outbox deleted"));

        // Idempotent: a second pass finds nothing and audits nothing.
        Assert.Equal(0, await node.Get<OutboxRetention>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(2, await check.AuditEntries.CountAsync(a => a.Action == "run.discard"));
    }

    [Fact]
    public async Task A_run_whose_schema_is_not_its_own_staging_schema_is_left_alone()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db, settings: new Dictionary<string, string?> { ["Jobs:RetentionInterval"] = "1.00:00:00" });
        var owner = await node.CreateUserAsync("owner");
        var run = await node.CreateRunAsync(owner, RunState.Prepared, DateTimeOffset.UtcNow.AddDays(-30), withOutbox: false);
        await db.ExecAsync("UPDATE app.pipeline_runs SET schema_name = 'app' WHERE id = @id", ("id", run));

        Assert.Equal(0, await node.Get<OutboxRetention>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(RunState.Prepared, await node.StateOfAsync(run));
        Assert.True(await db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'app')"));
    }

    [Fact]
    public async Task Retention_days_must_be_positive()
    {
        await using var db = await JobsDatabase.CreateAsync();
        var ex = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            JobsNode.StartAsync(db, settings: new Dictionary<string, string?> { ["Outbox:RetentionDays"] = "0" }));
        Assert.Contains("Outbox:RetentionDays", ex.Message);
    }
}
