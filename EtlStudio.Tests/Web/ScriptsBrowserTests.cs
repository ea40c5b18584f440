using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

public sealed class ScriptsBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    [Fact]
    public async Task An_editor_writes_a_query_in_the_code_editor_releases_it_and_is_shown_rule_problems_inline()
    {
        var page = await browser.SignInAsync(app, "alice", "/scripts");
        // The demo task's released scripts are listed.
        await Assertions.Expect(page.Locator("[data-testid=scripts-grid]")).ToContainTextAsync("CRM customers");

        // An extraction query, typed into CodeMirror.
        await page.GetByTestId("script-new").ClickAsync();
        await page.GetByTestId("script-name").FillAsync("Churn customers");
        await page.GetByTestId("script-editor-content").ClickAsync();
        await page.Keyboard.TypeAsync("SELECT id, full_name, age FROM customers");
        await Browser.ScreenshotAsync(page, "scripts-01-editor");
        // Syntax highlighting: CodeMirror wraps recognised tokens (the keywords here) in styled spans.
        await Assertions.Expect(page.Locator(".cm-line span", new() { HasText = "SELECT" })).ToBeVisibleAsync();
        await page.GetByTestId("script-save").ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.Contains("/scripts/") && !u.EndsWith("/new"));
        await Browser.OpenDialogAsync(page.GetByTestId("script-release"));
        await Browser.Dialog(page).GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("script-save")).ToContainTextAsync("new draft");

        // A field rule with its minimum above its maximum: the problem is named next to the form, nothing is saved.
        await page.GotoAsync($"{app.BaseUrl}/scripts/new");
        await page.GetByTestId("script-name").FillAsync("age 18-120");
        await Browser.PickAsync(page, "script-kind", "FieldRule");
        await Browser.PickAsync(page, "rule-strategy", "FillOutOfRange");
        await page.GetByTestId("rule-min").Locator("input").Or(page.GetByTestId("rule-min")).First.FillAsync("120");
        await page.GetByTestId("rule-max").Locator("input").Or(page.GetByTestId("rule-max")).First.FillAsync("18");
        await page.GetByTestId("script-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("script-problems")).ToContainTextAsync("The minimum is greater than the maximum.");
        await Browser.ScreenshotAsync(page, "scripts-02-problems");
        await page.GetByTestId("rule-min").Locator("input").Or(page.GetByTestId("rule-min")).First.FillAsync("18");
        await page.GetByTestId("rule-max").Locator("input").Or(page.GetByTestId("rule-max")).First.FillAsync("120");
        await page.GetByTestId("script-save").ClickAsync();
        await Browser.UntilUrlAsync(page, u => !u.EndsWith("/new"));

        await page.GotoAsync($"{app.BaseUrl}/scripts");
        var grid = page.Locator("[data-testid=scripts-grid]");
        await Assertions.Expect(grid).ToContainTextAsync("Churn customers");
        await Assertions.Expect(grid.Locator("tr", new() { HasText = "Churn customers" })).ToContainTextAsync("Released");
        await Assertions.Expect(grid.Locator("tr", new() { HasText = "age 18-120" })).ToContainTextAsync("Draft");
    }
}
