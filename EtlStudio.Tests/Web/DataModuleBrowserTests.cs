using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>
/// The data modules page in Chromium, as alice (task manager, owner of the demo destination) uses it: two runs of the
/// demo task uploaded through the outbox page give v1 and v2; v1 is made current again after confirming; metadata is
/// imported through the dialog, a refused document told its problem first.
/// </summary>
public sealed class DataModuleBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private const string Module = "Customer analytics data module (demo)";

    private static ILocator Row(IPage page, string grid, string text) => page.Locator($"[data-testid={grid}] tbody tr", new() { HasText = text });

    private async Task UploadRunOfTheDemoTaskAsync(IPage alice)
    {
        await alice.GotoAsync(app.BaseUrl + "/tasks");
        await Browser.ClickUntilUrlAsync(Row(alice, "tasks-grid", "Customer churn (demo)"), url => url.Contains("/tasks/"));
        await Browser.OpenDialogAsync(alice.GetByTestId("task-start"));
        await alice.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Browser.UntilUrlAsync(alice, url => url.Contains("/runs/"));
        var runId = alice.Url.Split('/').Last();
        await Assertions.Expect(alice.GetByTestId("run-state")).ToHaveTextAsync("Prepared", new() { Timeout = 90_000 });
        await alice.GotoAsync($"{app.BaseUrl}/outbox/{runId}");
        await Browser.OpenDialogAsync(alice.GetByTestId("outbox-upload"));
        // The confirmation names the destination and the version; the demo task has no privacy policy, so nothing blocks it.
        await Assertions.Expect(alice.GetByTestId("upload-destination-line")).ToContainTextAsync("Customer analytics data module (demo)");
        await alice.GetByTestId("upload-confirm").ClickAsync();
        await Assertions.Expect(alice.GetByTestId("outbox-state")).ToHaveTextAsync("Uploaded", new() { Timeout = 90_000 });
    }

    [Fact]
    public async Task Two_uploads_give_two_versions_an_earlier_one_is_made_current_again_and_metadata_is_imported()
    {
        var alice = await browser.SignInAsync(app, "alice", "/tasks");
        await UploadRunOfTheDemoTaskAsync(alice);
        await UploadRunOfTheDemoTaskAsync(alice);

        await alice.GotoAsync(app.BaseUrl + "/datamodules");
        await Assertions.Expect(Row(alice, "modules-grid", Module)).ToContainTextAsync("v2");
        await Row(alice, "modules-grid", Module).ClickAsync();
        var versions = alice.Locator("[data-testid=versions-grid] tbody tr");
        await Assertions.Expect(versions).ToHaveCountAsync(2);
        await Assertions.Expect(Row(alice, "versions-grid", "v2")).ToContainTextAsync("current");
        await Assertions.Expect(alice.GetByTestId("make-current-2")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(alice, "datamodules-02-two-versions");

        // Making v1 current asks first; cancelling changes nothing.
        await Browser.OpenDialogAsync(alice.GetByTestId("make-current-1"));
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(Row(alice, "versions-grid", "v2")).ToContainTextAsync("current");
        await Browser.OpenDialogAsync(alice.GetByTestId("make-current-1"));
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Make current" }).ClickAsync();
        await Assertions.Expect(Row(alice, "versions-grid", "v1")).ToContainTextAsync("current");
        await Assertions.Expect(alice.GetByTestId("make-current-1")).ToHaveCountAsync(0);
        await Assertions.Expect(alice.GetByTestId("make-current-2")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(alice, "modules-grid", Module)).ToContainTextAsync("v1");
        await Browser.ScreenshotAsync(alice, "datamodules-03-v1-current");

        // A document with an unknown data type is refused with the reason; a good one becomes the contract.
        await Browser.OpenDialogAsync(alice.GetByTestId("module-import"));
        await alice.GetByTestId("import-document").FillAsync("""
            {"@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
                          "recordSet": "cr:recordSet", "field": "cr:field", "dataType": {"@id": "cr:dataType", "@type": "@vocab"}},
             "@type": "sc:Dataset", "name": "churn", "recordSet": [{"@type": "cr:RecordSet", "name": "customers", "field": [{"@type": "cr:Field", "name": "age", "dataType": "sc:Money"}]}]}
            """);
        await alice.GetByTestId("import-save").ClickAsync();
        await Assertions.Expect(alice.Locator(".mud-snackbar", new() { HasText = "Please correct the input" })).ToContainTextAsync("dataType must be one of");
        await Browser.ScreenshotAsync(alice, "datamodules-04-import-refused");
        await alice.GetByTestId("import-document").FillAsync("""
            {"@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
                          "recordSet": "cr:recordSet", "field": "cr:field", "dataType": {"@id": "cr:dataType", "@type": "@vocab"}},
             "@type": "sc:Dataset", "name": "churn", "recordSet": [{"@type": "cr:RecordSet", "name": "customers", "field": [{"@type": "cr:Field", "name": "age", "dataType": "sc:Integer"}]}]}
            """);
        await alice.GetByTestId("import-save").ClickAsync();
        await Assertions.Expect(alice.GetByTestId("import-document")).ToHaveCountAsync(0);
        await Assertions.Expect(alice.Locator(".mud-snackbar", new() { HasText = "Metadata imported." })).ToHaveCountAsync(1);
    }
}
