using EtlStudio.Jobs.Runs;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;
using Quartz;

namespace EtlStudio.Tests.Jobs;

/// <summary>The job monitor in the browser, on the real app, with jobs put into its store by a second (web-only) node.</summary>
public sealed class JobsPageBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private Task<IPage> SignInAsync(string login, string path) => browser.SignInAsync(app, login, path);

    private static ILocator Row(IPage page, string grid, string text) => page.Locator($"[data-testid={grid}] tbody tr", new() { HasText = text });

    [Fact]
    public async Task A_queued_job_appears_live_and_is_cancelled_only_after_confirming()
    {
        var alice = await SignInAsync("alice", "/jobs");
        await Assertions.Expect(Row(alice, "recurring-grid", "outbox-retention")).ToBeVisibleAsync();
        await Assertions.Expect(Row(alice, "recurring-grid", "access-expiry")).ToBeVisibleAsync();
        // The app's own scheduler checks in; the page picks that up on a later refresh without a reload.
        await Assertions.Expect(alice.Locator("[data-testid=nodes-grid] tbody")).ToContainTextAsync("Alive");

        // Another node hands over a run due in an hour: queued, not yet running anywhere.
        var runId = Guid.NewGuid();
        var key = RunJobKeys.Run(runId);
        await using (var web = await JobsNode.StartAsync(new ExistingDatabase(app.DatabaseConnectionString), settings: new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" }))
        {
            var scheduler = await web.Get<ISchedulerFactory>().GetScheduler();
            var job = JobBuilder.Create<PipelineRunJob>().WithIdentity(key).StoreDurably().RequestRecovery().Build();
            await scheduler.ScheduleJob(job, TriggerBuilder.Create().WithIdentity(key.Name, key.Group).ForJob(key).StartAt(DateTimeOffset.UtcNow.AddHours(1)).Build());
        }
        var row = Row(alice, "jobs-grid", key.Name);
        await Assertions.Expect(row.GetByTestId("job-state")).ToHaveTextAsync("Queued");
        await Browser.ScreenshotAsync(alice, "jobs-01-queued");

        // Keep it the first time, cancel it the second.
        await row.GetByTestId("job-cancel").ClickAsync();
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Keep" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("job-state")).ToHaveTextAsync("Queued");
        await row.GetByTestId("job-cancel").ClickAsync();
        await Assertions.Expect(Browser.Dialog(alice)).ToContainTextAsync("It has not started yet.");
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("job-state")).ToHaveTextAsync("Cancelled");
        await Assertions.Expect(row.GetByTestId("job-retry")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(alice, "jobs-02-cancelled");
    }

    [Fact]
    public async Task Someone_without_the_roles_is_told_instead_of_shown_the_jobs()
    {
        var dave = await SignInAsync("dave", "/jobs");
        await Assertions.Expect(dave.GetByTestId("jobs-denied")).ToContainTextAsync("PROCESS_ETL_TASK");
        await Assertions.Expect(dave.Locator("[data-testid=jobs-grid]")).ToHaveCountAsync(0);
    }
}
