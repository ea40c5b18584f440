using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Web;

/// <summary>
/// Every page checked by axe-core (npm, injected into the page) as the administrator and as someone without roles:
/// no serious or critical violation. Details pages are reached from the lists, as people reach them.
/// </summary>
public sealed class AccessibilityBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    [Theory]
    [InlineData("alice")]
    [InlineData("dave")]
    public async Task Every_page_has_no_serious_or_critical_accessibility_violation(string login)
    {
        var page = await browser.SignInAsync(app, login, "/");
        var problems = new List<string>();
        foreach (var route in StudioPages.Routes)
        {
            await StudioPages.WaitLoadedAsync(app, page, route);
            problems.AddRange(await CheckAsync(page));
        }
        foreach (var (list, link) in StudioPages.Details)
            if (await StudioPages.OpenFirstAsync(app, page, list, link)) // dave may not see tasks
                problems.AddRange(await CheckAsync(page));
        Assert.True(problems.Count == 0, $"axe found, as {login}:\n" + string.Join("\n", problems));
    }

    private static Task<IReadOnlyList<string>> CheckAsync(Microsoft.Playwright.IPage page) =>
        StudioPages.AxeAsync(page, "{ resultTypes: ['violations'] }", "v => v.impact === 'serious' || v.impact === 'critical'");
}
