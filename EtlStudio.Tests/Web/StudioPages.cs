using System.Text.Json;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>The studio's pages as the page-wide browser checks visit them, and axe-core evaluated in a page.</summary>
internal static class StudioPages
{
    private static readonly string AxeScript = Path.Combine(RepositoryPaths.Root, "tests", "node", "node_modules", "axe-core", "axe.min.js");

    /// <summary>The studio's own routes; /jobs is Hangfire's dashboard, mounted as the library ships it, not a page of ours.</summary>
    public static readonly string[] Routes =
        ["/", "/connections", "/approvals", "/scripts", "/scripts/new", "/tasks", "/runs", "/outbox", "/datamodules", "/audit", "/users"];

    /// <summary>Details pages, reached through the first link of their list, as people reach them.</summary>
    public static readonly (string List, string Link)[] Details =
    [
        ("/connections", "[data-testid=connections-grid] tbody a"), ("/tasks", "[data-testid=tasks-grid] tbody a"),
        ("/scripts", "[data-testid=scripts-grid] tbody a"), ("/runs", "[data-testid=runs-grid] tbody a"),
    ];

    /// <summary>Opens <paramref name="route"/> (or stays, when null) and waits until the page and its grids have loaded.</summary>
    public static async Task WaitLoadedAsync(AppProcess app, IPage page, string? route)
    {
        if (route is not null) await page.GotoAsync(app.BaseUrl + route);
        await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
        // Grids load after the first render; check the page as people read it, not its loading state.
        await Assertions.Expect(page.Locator(".mud-table-loading-progress, .mud-progress-circular")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
    }

    /// <summary>Opens the first details page of <paramref name="list"/>; false when the list has none for this user.</summary>
    public static async Task<bool> OpenFirstAsync(AppProcess app, IPage page, string list, string link)
    {
        await WaitLoadedAsync(app, page, list);
        if (await page.Locator(link).CountAsync() == 0) return false;
        await page.Locator(link).First.ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.TrimEnd('/') != (app.BaseUrl + list).TrimEnd('/'));
        await WaitLoadedAsync(app, page, null);
        return true;
    }

    /// <summary>axe-core's violations in the page, filtered by <paramref name="filter"/> (a JS predicate over a violation), one line each.</summary>
    public static async Task<IReadOnlyList<string>> AxeAsync(IPage page, string runOptions, string filter)
    {
        Assert.True(File.Exists(AxeScript), $"{AxeScript} is missing: run npm ci in tests/node.");
        // Evaluated rather than added as a script tag: the studio's CSP rightly refuses inline scripts.
        await page.EvaluateAsync(await File.ReadAllTextAsync(AxeScript));
        var found = await page.EvaluateAsync<JsonElement>($$"""
            async () => {
              const r = await axe.run(document, {{runOptions}});
              return r.violations.filter({{filter}})
                .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ') + (n.any[0]?.message ? ' (' + n.any[0].message + ')' : '')).join(' | ')}`);
            }
            """);
        var where = new Uri(page.Url).AbsolutePath;
        return found.EnumerateArray().Select(v => $"{where}: {v.GetString()}").ToList();
    }
}
