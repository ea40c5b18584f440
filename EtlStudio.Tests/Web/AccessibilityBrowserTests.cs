using System.Text.Json;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>
/// Every page checked by axe-core (npm, injected into the page) as the administrator and as someone without roles:
/// no serious or critical violation. Details pages are reached from the lists, as people reach them.
/// </summary>
public sealed class AccessibilityBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private static readonly string AxeScript = Path.Combine(RepositoryPaths.Root, "tests", "node", "node_modules", "axe-core", "axe.min.js");

    // The studio's own pages; /jobs is Hangfire's dashboard, mounted as the library ships it, not a page of ours.
    private static readonly string[] Routes =
        ["/", "/connections", "/approvals", "/scripts", "/scripts/new", "/tasks", "/runs", "/outbox", "/datamodules", "/audit", "/users"];

    [Theory]
    [InlineData("alice")]
    [InlineData("dave")]
    public async Task Every_page_has_no_serious_or_critical_accessibility_violation(string login)
    {
        Assert.True(File.Exists(AxeScript), $"{AxeScript} is missing: run npm ci in tests/node.");
        var page = await browser.SignInAsync(app, login, "/");
        var problems = new List<string>();
        foreach (var route in Routes) problems.AddRange(await CheckAsync(page, route));

        // Details pages, reached through the first link of their list.
        foreach (var (list, link) in new[] { ("/connections", "[data-testid=connections-grid] tbody a"), ("/tasks", "[data-testid=tasks-grid] tbody a") })
        {
            await WaitLoadedAsync(page, list);
            if (await page.Locator(link).CountAsync() == 0) continue; // dave may not see tasks
            await page.Locator(link).First.ClickAsync();
            await Browser.UntilUrlAsync(page, u => u.TrimEnd('/') != (app.BaseUrl + list).TrimEnd('/'));
            problems.AddRange(await CheckAsync(page, null));
        }
        Assert.True(problems.Count == 0, $"axe found, as {login}:\n" + string.Join("\n", problems));
    }

    private async Task WaitLoadedAsync(IPage page, string? route)
    {
        if (route is not null) await page.GotoAsync(app.BaseUrl + route);
        await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
        // Grids load after the first render; check the page as people read it, not its loading state.
        await Assertions.Expect(page.Locator(".mud-table-loading-progress, .mud-progress-circular")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
    }

    private async Task<IReadOnlyList<string>> CheckAsync(IPage page, string? route)
    {
        await WaitLoadedAsync(page, route);
        // Evaluated rather than added as a script tag: the studio's CSP rightly refuses inline scripts.
        await page.EvaluateAsync(await File.ReadAllTextAsync(AxeScript));
        var found = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const r = await axe.run(document, { resultTypes: ['violations'] });
              return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
            }
            """);
        var where = new Uri(page.Url).AbsolutePath;
        return found.EnumerateArray().Select(v => $"{where}: {v.GetString()}").ToList();
    }
}
