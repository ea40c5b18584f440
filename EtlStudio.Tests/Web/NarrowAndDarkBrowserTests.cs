using System.Text.Json;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>
/// Every studio page at 768×1024 (a tablet held upright), in the light and the dark theme: nothing wider than the window
/// (wide grids scroll inside their own container), the navigation reachable through the menu button, and axe-core's
/// colour-contrast rule met.
/// </summary>
public sealed class NarrowAndDarkBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private static readonly ViewportSize Tablet = new() { Width = 768, Height = 1024 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_page_fits_768_pixels_keeps_its_navigation_and_its_contrast(bool dark)
    {
        var page = await browser.SignInAsync(app, "alice", "/", Tablet);
        if (dark) await SwitchToDarkAsync(page);
        var problems = new List<string>();
        foreach (var route in StudioPages.Routes)
        {
            await StudioPages.WaitLoadedAsync(app, page, route);
            problems.AddRange(await CheckAsync(page, dark));
        }
        foreach (var (list, link) in StudioPages.Details)
            if (await StudioPages.OpenFirstAsync(app, page, list, link))
                problems.AddRange(await CheckAsync(page, dark));

        // The drawer is closed at this width; the menu button opens it and its links lead on.
        await StudioPages.WaitLoadedAsync(app, page, "/");
        var runs = page.Locator("nav[aria-label=Sections] a[href='/runs']");
        await Assertions.Expect(runs).Not.ToBeInViewportAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();
        await Assertions.Expect(runs).ToBeInViewportAsync();
        await runs.ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.EndsWith("/runs"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Runs");

        Assert.True(problems.Count == 0, $"At 768 px in the {(dark ? "dark" : "light")} theme:\n" + string.Join("\n", problems));
    }

    // A click before the circuit has connected does nothing; the label says when the choice took (it is then remembered).
    private static async Task SwitchToDarkAsync(IPage page)
    {
        var toggle = page.GetByTestId("theme-toggle");
        for (var attempt = 1; ; attempt++)
        {
            await toggle.ClickAsync();
            try
            {
                await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to the light theme", new() { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 6) { }
        }
    }

    private static async Task<IReadOnlyList<string>> CheckAsync(IPage page, bool dark)
    {
        var where = new Uri(page.Url).AbsolutePath;
        var problems = new List<string>();
        // The theme is applied after the first render (the choice is read from the browser's storage).
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", dark ? "Switch to the light theme" : "Switch to the dark theme");
        // The switch to the chosen theme's colours runs as CSS transitions; contrast is measured once they have ended
        // (a fresh-clone CI run once measured a button halfway from the light theme's colour to the dark one's).
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== 'running')");

        // Wider than the window: the page scrolls sideways. Name the elements that stick out, outside any scroll container.
        var overflow = await page.EvaluateAsync<JsonElement>("""
            () => {
              const root = document.documentElement;
              if (root.scrollWidth <= root.clientWidth) return [];
              const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                  const s = getComputedStyle(p); if (/(auto|scroll|hidden)/.test(s.overflowX)) return true; } return false; };
              const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5 && !scrolls(e));
              const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).slice(0, 3).join('.') : '')
                  + (e.getAttribute('data-testid') ? `[data-testid=${e.getAttribute('data-testid')}]` : '');
              return [`scrollWidth ${root.scrollWidth} > ${root.clientWidth}: ` + out.filter(e => !out.includes(e.parentElement)).slice(0, 5).map(e => `${name(e)} (right ${Math.round(e.getBoundingClientRect().right)})`).join(', ')];
            }
            """);
        problems.AddRange(overflow.EnumerateArray().Select(o => $"{where}: {o.GetString()}"));

        // Reachable navigation: the menu button is on screen whether the drawer is open or not.
        if (!await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).IsVisibleAsync())
            problems.Add($"{where}: the navigation button is not visible");

        problems.AddRange(await StudioPages.AxeAsync(page, "{ runOnly: ['color-contrast'], resultTypes: ['violations'] }", "v => true"));
        return problems;
    }
}
