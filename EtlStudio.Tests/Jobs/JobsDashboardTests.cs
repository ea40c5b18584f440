using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Runs;
using EtlStudio.Tests.Infrastructure;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// The Hangfire dashboard at /jobs on the real app, in the browser: who may open it, how it is reached from the studio,
/// and what its buttons do to a run. Runs and their jobs are put in place through a second (web-only) node on the
/// app's database; the test holds a run's lock where it needs the run's job to wait (a busy run's job retries later).
/// </summary>
public sealed class JobsDashboardTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private static readonly Dictionary<string, string?> WebOnly = new() { ["Workers:Mode"] = "WebOnly" };

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_only_ADMIN_or_PROCESS_ETL_TASK_see_the_dashboard()
    {
        var anonymous = await browser.NewPageAsync();
        await anonymous.GotoAsync($"{app.BaseUrl}/jobs");
        await Browser.UntilUrlAsync(anonymous, url => new Uri(url).AbsolutePath == "/signin");

        foreach (var (login, status) in new[] { ("dave", 403), ("carol", 403), ("bob", 200), ("alice", 200) })
        {
            var page = await browser.SignInAsync(app, login);
            // Through the page's own request context (its cookie): Chromium turns an empty 403 page into a navigation error.
            var response = await page.APIRequest.GetAsync($"{app.BaseUrl}/jobs", new() { MaxRedirects = 0 });
            Assert.True(status == response.Status, $"{login}: expected {status}, got {response.Status}");
            if (status == 200)
            {
                await page.GotoAsync($"{app.BaseUrl}/jobs");
                await Assertions.Expect(page.Locator("a[href='/']").First).ToBeVisibleAsync();
                // The dashboard's own requests answer too (its live stats, posted with its anti-forgery token).
                var header = await page.Locator("meta[name=csrf-header]").GetAttributeAsync("content");
                var token = await page.Locator("meta[name=csrf-token]").GetAttributeAsync("content");
                var stats = await page.APIRequest.PostAsync($"{app.BaseUrl}/jobs/stats",
                    new() { Headers = new Dictionary<string, string> { [header!] = token! }, Form = page.APIRequest.CreateFormData() });
                Assert.True(stats.Ok, $"{login}: stats answered {stats.Status}");
            }
            else
            {
                // Every page of it, not only its start.
                var recurring = await page.APIRequest.GetAsync($"{app.BaseUrl}/jobs/recurring", new() { MaxRedirects = 0 });
                Assert.Equal(403, recurring.Status);
            }
        }
    }

    [Fact]
    public async Task The_nav_link_opens_the_dashboard_and_its_back_link_returns_to_the_studio()
    {
        var alice = await browser.SignInAsync(app, "alice");
        await alice.GetByRole(AriaRole.Navigation).GetByText("Jobs", new() { Exact = true }).ClickAsync();
        await Browser.UntilUrlAsync(alice, url => new Uri(url).AbsolutePath.StartsWith("/jobs"));
        await Assertions.Expect(alice.Locator(".navbar-brand")).ToContainTextAsync("EtlStudio jobs");
        await Assertions.Expect(alice.GetByText("Retries", new() { Exact = false }).First).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(alice, "jobs-dashboard");

        await alice.Locator("a[href='/']").First.ClickAsync();
        await Assertions.Expect(alice.GetByTestId("signed-in-user")).ToHaveTextAsync("alice");
    }

    [Fact]
    public async Task Deleting_a_waiting_run_job_cancels_the_run_and_requeueing_it_leaves_the_cancelled_run_alone_both_audited()
    {
        await using var node = await JobsNode.StartAsync(new ExistingDatabase(app.DatabaseConnectionString), settings: WebOnly);
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var runId = await node.CreateRunAsync(owner, RunState.Queued, DateTimeOffset.UtcNow);
        await using var held = await HoldAsync(RunLock.PipelineKey(runId));
        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        var jobId = await JobOfAsync(runId, nameof(RunJobs.ExecuteRunAsync));
        // The app's server fetched it, found the run's lock held and scheduled a retry.
        await node.WaitForStateAsync(jobId, ScheduledState.StateName);

        var alice = await DetailsAsync(jobId);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await node.WaitForStateAsync(jobId, DeletedState.StateName);
        Assert.Equal(RunState.Cancelled, await node.StateOfAsync(runId));
        await AssertAuditedAsync(node, runId, "run.job.delete", "\"Queued\"", "\"Cancelled\"");

        // A page of its own: the dashboard reloads the first one itself after Delete, and a reload of ours would race it.
        alice = await DetailsAsync(jobId);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Requeue" }).ClickAsync();
        await AssertAuditedAsync(node, runId, "run.job.requeue", "Cancelled (unchanged)");
        Assert.Equal(RunState.Cancelled, await node.StateOfAsync(runId));
    }

    [Fact]
    public async Task Requeueing_a_failed_run_job_queues_the_run_again_with_a_job_behind_it_audited_as_the_person()
    {
        await using var node = await JobsNode.StartAsync(new ExistingDatabase(app.DatabaseConnectionString), settings: WebOnly);
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var runId = await node.CreateRunAsync(owner, RunState.Failed, DateTimeOffset.UtcNow);
        // The job of a failed run fails with the run's error, so the dashboard lists it among the failed jobs.
        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        var jobId = await JobOfAsync(runId, nameof(RunJobs.ExecuteRunAsync));
        await node.WaitForStateAsync(jobId, FailedState.StateName);

        // Held from here, so the requeued job waits (as a retry) instead of executing the test's bare run.
        await using var held = await HoldAsync(RunLock.PipelineKey(runId));
        var alice = await DetailsAsync(jobId);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Requeue" }).ClickAsync();
        await AssertAuditedAsync(node, runId, "run.job.requeue", "\"Failed\"", "\"Queued\"");
        Assert.Equal(RunState.Queued, await node.StateOfAsync(runId));
        await Eventually.TrueAsync(() => Task.FromResult(new[] { EnqueuedState.StateName, ProcessingState.StateName, ScheduledState.StateName }.Contains(node.StateOf(jobId))),
            "the requeued job to be waiting for a worker");
    }

    [Fact]
    public async Task Deleting_an_upload_job_takes_the_run_back_to_prepared_audited()
    {
        await using var node = await JobsNode.StartAsync(new ExistingDatabase(app.DatabaseConnectionString), settings: WebOnly);
        var owner = await node.CreateUserAsync("owner", UserRole.ProcessEtlTask);
        var runId = await node.CreateRunAsync(owner, RunState.Uploading, DateTimeOffset.UtcNow);
        await using var held = await HoldAsync(RunLock.UploadKey(runId));
        await node.Get<IRunQueue>().EnqueueUploadAsync(runId);
        var jobId = await JobOfAsync(runId, nameof(RunJobs.ExecuteUploadAsync));
        await node.WaitForStateAsync(jobId, ScheduledState.StateName);

        var alice = await DetailsAsync(jobId);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await node.WaitForStateAsync(jobId, DeletedState.StateName);
        Assert.Equal(RunState.Prepared, await node.StateOfAsync(runId));
        await AssertAuditedAsync(node, runId, "upload.job.delete", "\"Uploading\"", "\"Prepared\"");
    }

    private async Task<IPage> DetailsAsync(string jobId)
    {
        var alice = await browser.SignInAsync(app, "alice");
        alice.Dialog += (_, dialog) => dialog.AcceptAsync();
        await alice.GotoAsync($"{app.BaseUrl}/jobs/jobs/details/{jobId}");
        return alice;
    }

    private async Task<string> JobOfAsync(Guid runId, string method)
    {
        await using var conn = new NpgsqlConnection(app.DatabaseConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id::text FROM hangfire.job WHERE invocationdata::text LIKE @m AND arguments::text LIKE @a", conn);
        cmd.Parameters.AddWithValue("m", $"%{method}%");
        cmd.Parameters.AddWithValue("a", $"%{runId}%");
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Holds an advisory lock as another worker would; released when disposed (unpooled, so closing ends the session).</summary>
    private async Task<NpgsqlConnection> HoldAsync(long key)
    {
        var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.DatabaseConnectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", conn);
        cmd.Parameters.AddWithValue("k", key);
        await cmd.ExecuteNonQueryAsync();
        return conn;
    }

    private static async Task AssertAuditedAsync(JobsNode node, Guid runId, string action, params string[] changes)
    {
        var id = runId.ToString();
        AuditEntry? entry = null;
        await Eventually.TrueAsync(async () =>
        {
            await using var db = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
            entry = await db.AuditEntries.Where(a => a.Action == action && a.EntityId == id).OrderByDescending(a => a.Id).FirstOrDefaultAsync();
            return entry is not null;
        }, $"{action} of run {runId} to be audited", 30);
        Assert.Equal(("alice", "ui"), (entry!.ActorLogin, entry.Source));
        Assert.All(changes, c => Assert.Contains(c, entry.ChangesJson));
    }
}
