using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>A Task-Manager previews the demo task, starts it, follows the run live to its outbox, and reads why records were dropped.</summary>
public sealed class RunsBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_run_started_in_the_studio_is_followed_live_to_prepared_with_its_rejects_and_privacy_report()
    {
        var page = await browser.SignInAsync(app, "alice", "/tasks");
        // The task's link, not the row: a link works even before the page's circuit is connected; a row click does not.
        await page.Locator("[data-testid=tasks-grid] tbody tr", new() { HasText = "Customer churn (demo)" }).GetByRole(AriaRole.Link).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("task-start")).ToBeVisibleAsync();

        // The preview runs every step on a sample and shows the rows after each.
        await page.GetByTestId("task-preview").ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview")).ToContainTextAsync("7. Outbox", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("preview").GetByRole(AriaRole.Tab, new() { Name = "2. Field rules" })).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "runs-01-preview");
        await page.Keyboard.PressAsync("Escape");

        await Browser.OpenDialogAsync(page.GetByTestId("task-start"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Browser.UntilUrlAsync(page, url => url.Contains("/runs/"));
        await Assertions.Expect(page.GetByTestId("run-state")).ToHaveTextAsync("Prepared", new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("run-steps")).ToContainTextAsync("Succeeded");
        await Assertions.Expect(page.GetByTestId("run-steps").Locator("tbody tr")).ToHaveCountAsync(7);
        await Assertions.Expect(page.GetByTestId("run-rejects")).ToContainTextAsync("amount -10 is outside [0, 100000]");
        await Browser.PickAsync(page, "reject-step", "Foreign keys");
        await Assertions.Expect(page.GetByTestId("run-rejects")).ToContainTextAsync("has no match in customers.id");
        await Assertions.Expect(page.GetByTestId("privacy-customers")).ToContainTextAsync("k reached / asked3 / 3");
        await Browser.ScreenshotAsync(page, "runs-02-run");

        await page.GotoAsync(app.BaseUrl + "/runs");
        var row = page.Locator("[data-testid=runs-grid] tbody tr", new() { HasText = "Customer churn (demo) #1" });
        await Assertions.Expect(row).ToContainTextAsync("Prepared");
        await Browser.ScreenshotAsync(page, "runs-03-history");

        // Stopping a prepared run can delete its staged data, after a confirmation.
        await row.Locator("a").ClickAsync();
        await page.GetByTestId("run-stop").ClickAsync();
        await page.GetByTestId("stop-delete").ClickAsync();
        await page.GetByTestId("stop-confirm").ClickAsync();
        await Assertions.Expect(page.GetByTestId("run-state")).ToHaveTextAsync("Discarded");
    }
}
