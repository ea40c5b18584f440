using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Outbox;

/// <summary>The outbox page in Chromium, as carol (data manager) uses it: browse, a refused edit with its message, a saved edit, a confirmed delete.</summary>
public sealed class OutboxBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private Task<IPage> SignInAsync(string login, string path) => browser.SignInAsync(app, login, path);

    private static ILocator Row(IPage page, string text) => page.Locator("[data-testid=outbox-grid] tbody tr", new() { HasText = text });

    [Fact]
    public async Task A_data_manager_edits_a_row_sees_a_refused_value_named_and_deletes_a_row_after_confirming()
    {
        var run = await AppOutbox.StageAsync(app);
        var carol = await SignInAsync("carol", $"/outbox/{run.RunId}");
        await Assertions.Expect(carol.GetByTestId("outbox-state")).ToHaveTextAsync("Prepared");
        await Assertions.Expect(carol.GetByTestId("outbox-upload")).ToHaveCountAsync(0); // uploading is a task manager's action
        await Assertions.Expect(Row(carol, "person 001")).ToHaveCountAsync(1);

        // A click right after the grid rendered was lost once under the whole suite's load (a CI run waited 30 s for the
        // editor); opening the editor twice is harmless, its button is disabled while it is open.
        await Browser.ClickUntilVisibleAsync(Row(carol, "person 001").GetByTestId("row-edit"), carol.GetByTestId("edit-age"));
        await carol.GetByTestId("edit-age").FillAsync("old");
        await carol.GetByTestId("row-save").ClickAsync();
        await Assertions.Expect(carol.GetByTestId("row-problems")).ToContainTextAsync("Column 'age' expects an integer");
        await carol.GetByTestId("edit-age").FillAsync("44");
        await carol.GetByTestId("row-save").ClickAsync();
        await Assertions.Expect(carol.GetByTestId("row-problems")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(carol, "person 001")).ToContainTextAsync("44");
        await Browser.ScreenshotAsync(carol, "outbox-01-edited");

        await Browser.OpenDialogAsync(Row(carol, "person 002").GetByTestId("row-delete"));
        await Browser.Dialog(carol).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Assertions.Expect(Row(carol, "person 002")).ToHaveCountAsync(0);
        await Assertions.Expect(carol.GetByTestId("outbox-tables")).ToContainTextAsync("people (29)");

        // Sorting is done by the server: descending by id puts the last row first.
        var sort = carol.Locator("[data-testid=outbox-grid] th", new() { HasText = "id (Integer)" }).GetByRole(AriaRole.Button, new() { Name = "Sort" });
        await sort.ClickAsync();
        await sort.ClickAsync();
        await Assertions.Expect(carol.Locator("[data-testid=outbox-grid] tbody tr").First.Locator("td").First).ToHaveTextAsync("30");
    }

    [Fact]
    public async Task The_data_modules_page_lists_destinations()
    {
        await AppOutbox.StageAsync(app, 2);
        var alice = await SignInAsync("alice", "/datamodules");
        await Assertions.Expect(alice.GetByTestId("modules-grid")).ToContainTextAsync("app-dm-");
        await Browser.ScreenshotAsync(alice, "datamodules-01-list");
    }
}
