using System.Text.RegularExpressions;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>
/// The privacy gate in Chromium (issue 33): alice gives the demo task a policy its runs cannot meet; the outbox page shows
/// the upload blocked, the confirmation offers her — an administrator — only "Publish anyway" with a written reason, and
/// the data module's version history shows the exception.
/// </summary>
public sealed class PrivacyGateBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private static ILocator Row(IPage page, string grid, string text) => page.Locator($"[data-testid={grid}] tbody tr", new() { HasText = text });

    [Fact]
    public async Task A_failing_outbox_is_blocked_and_an_administrator_publishes_it_with_a_reason_shown_in_the_version_history()
    {
        var alice = await browser.SignInAsync(app, "alice", "/tasks");
        await Browser.ClickUntilUrlAsync(Row(alice, "tasks-grid", "Customer churn (demo)"), url => url.Contains("/tasks/"));
        await alice.GetByRole(AriaRole.Tab, new() { Name = "6. Privacy policy" }).ClickAsync();
        // The editor shows the proposed policy once the page is interactive; a value typed before that is replaced.
        var minK = alice.Locator("input[name=policy-min-k]");
        await Assertions.Expect(minK).ToHaveValueAsync(new Regex("^[0-9]+$"));
        await minK.FillAsync("1000");
        await minK.PressAsync("Tab");
        await Assertions.Expect(minK).ToHaveValueAsync("1000");
        // Saving the same policy again is harmless: click until the saved policy shows (a Remove button).
        await Browser.ClickUntilVisibleAsync(alice.GetByTestId("policy-save"), alice.GetByTestId("policy-remove"));
        await Browser.OpenDialogAsync(alice.GetByTestId("task-release"));
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(alice.GetByTestId("missing-none")).ToContainTextAsync("released");
        await Browser.OpenDialogAsync(alice.GetByTestId("task-start"));
        await alice.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Browser.UntilUrlAsync(alice, url => url.Contains("/runs/"));
        var runId = alice.Url.Split('/').Last();
        await Assertions.Expect(alice.GetByTestId("run-state")).ToHaveTextAsync("Prepared", new() { Timeout = 90_000 });
        await Assertions.Expect(alice.GetByTestId("privacy-blocked")).ToBeVisibleAsync();

        await alice.GotoAsync($"{app.BaseUrl}/outbox/{runId}");
        await Assertions.Expect(alice.GetByTestId("outbox-privacy")).ToContainTextAsync("upload blocked");
        await Assertions.Expect(alice.GetByTestId("privacy-check-failed").Filter(new() { HasText = "k = " })).ToContainTextAsync("is below the minimum 1000");
        // The proposed highest risk (1/3 rounded up) is met by k = 3.
        await Assertions.Expect(alice.GetByTestId("privacy-check-failed").Filter(new() { HasText = "highest risk" })).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(alice, "privacy-01-blocked");
        await Browser.OpenDialogAsync(alice.GetByTestId("outbox-upload"));
        await Assertions.Expect(alice.GetByTestId("upload-version")).ToContainTextAsync("version");
        await Assertions.Expect(alice.GetByTestId("upload-confirm")).ToHaveCountAsync(0);
        await Assertions.Expect(alice.GetByTestId("upload-exception")).ToBeDisabledAsync();
        await alice.Locator("textarea[data-testid=upload-reason], [data-testid=upload-reason] textarea").FillAsync("Demo data; agreed with the data owner.");
        await Browser.ScreenshotAsync(alice, "privacy-02-exception");
        await alice.GetByTestId("upload-exception").ClickAsync();
        await Assertions.Expect(alice.GetByTestId("outbox-state")).ToHaveTextAsync("Uploaded", new() { Timeout = 90_000 });

        await alice.GotoAsync(app.BaseUrl + "/datamodules");
        await Row(alice, "modules-grid", "Customer analytics data module (demo)").ClickAsync();
        await Assertions.Expect(alice.Locator("[data-testid^=version-privacy-]").First).ToContainTextAsync("published by alice");
        await Assertions.Expect(alice.Locator("[data-testid^=version-privacy-]").First).ToContainTextAsync("Demo data; agreed with the data owner.");
    }
}
