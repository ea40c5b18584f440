using Microsoft.Playwright;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download here). One browser per test class;
/// each test takes a fresh context, so cookies never leak between tests.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _cspViolations = new();

    public IBrowser Instance { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        // Generous waits: on a loaded 2-core machine a Blazor round trip can take seconds; a wait
        // that ends early proves nothing about the product.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Instance = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    public async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1366, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        // Chromium reports what the Content-Security-Policy blocked on the console; the studio must never need that.
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) _cspViolations.Enqueue($"{page.Url}: {message.Text}");
        };
        return page;
    }

    /// <summary>Fails when any page of this browser logged a Content-Security-Policy violation so far.</summary>
    public void AssertNoCspViolations() => Assert.True(_cspViolations.IsEmpty, "CSP violations:\n" + string.Join("\n", _cspViolations));

    /// <summary>A new page signed in to the app as one of the seeded users (Development sign-in), opened at <paramref name="path"/>.</summary>
    public async Task<IPage> SignInAsync(AppProcess app, string login, string path = "/", ViewportSize? viewport = null)
    {
        var page = await NewPageAsync(viewport);
        await page.GotoAsync($"{app.BaseUrl}/signin?returnUrl={Uri.EscapeDataString(path)}");
        await page.GetByTestId($"signin-{login}").ClickAsync();
        // The first page after the app starts waits for the circuit to compile and render the layout; on a loaded machine
        // that alone can take longer than the default wait.
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(login, new() { Timeout = 45_000 });
        return page;
    }

    /// <summary>
    /// Waits until the page's address satisfies <paramref name="match"/>, by reading it. Not IPage.WaitForURLAsync: when
    /// the address already matches, that waits for a load event it can miss (microsoft/playwright-dotnet#3364) and then
    /// times out, which failed a CI run. Callers wait for what they use on the page next, as every locator does.
    /// </summary>
    public static async Task UntilUrlAsync(IPage page, Func<string, bool> match, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!match(page.Url))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The page is still at {page.Url} after {seconds} s.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Clicks <paramref name="opener"/> and waits until the dialog it opens holds the focus. MudBlazor focuses a dialog's
    /// first field once the dialog is shown; on a loaded machine that can come after a test has begun filling the
    /// fields, and the text then lands in the first field (a CI run's journey got the table name "customersid Integer …").
    /// A click that lands while the page is still re-rendering after the previous action opens nothing (a CI run waited
    /// 30 s for a dialog after such a click); when no dialog has appeared after ten seconds the opener is clicked again,
    /// at most three times, and never while a dialog is open.
    /// </summary>
    public static async Task OpenDialogAsync(ILocator opener)
    {
        const string focused = "() => { const d = document.querySelector('.mud-dialog'); return !!d && d.contains(document.activeElement); }";
        for (var attempt = 1; ; attempt++)
        {
            await opener.ClickAsync();
            try
            {
                await opener.Page.WaitForFunctionAsync(focused, null, new() { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
            if (await opener.Page.Locator(".mud-dialog").CountAsync() > 0)
            {
                // A dialog is there but has not taken the focus yet: wait for it rather than open another.
                await opener.Page.WaitForFunctionAsync(focused);
                return;
            }
        }
    }

    /// <summary>Clicks <paramref name="button"/> until <paramref name="shown"/> is visible (see <see cref="ClickUntilAsync"/>).</summary>
    public static Task ClickUntilVisibleAsync(ILocator button, ILocator shown) =>
        ClickUntilAsync(button, timeout => Assertions.Expect(shown).ToBeVisibleAsync(new() { Timeout = timeout }));

    /// <summary>Opens the select (or autocomplete) marked <paramref name="testId"/> and chooses the first option showing <paramref name="text"/>.</summary>
    public static async Task PickAsync(IPage page, string testId, string text)
    {
        await page.GetByTestId(testId).ClickAsync();
        var open = page.Locator(".mud-popover-open .mud-list-item");
        await ClickUntilAsync(Option(page, text), timeout => Assertions.Expect(open).ToHaveCountAsync(0, new() { Timeout = timeout }));
    }

    /// <summary>Clicks a row or link that navigates until the page's address matches (see <see cref="ClickUntilAsync"/>).</summary>
    public static Task ClickUntilUrlAsync(ILocator target, Func<string, bool> match) =>
        ClickUntilAsync(target, timeout => UntilUrlAsync(target.Page, match, timeout / 1000));

    /// <summary>
    /// Clicks <paramref name="target"/> until <paramref name="done"/> passes within the timeout it is given (ms), at most
    /// three times, clicking again only while the target is still shown. Under the whole suite's load a click was seen to
    /// do nothing, with no error: a button after a field's change event (tabbing out of a numeric or date field), an
    /// option of a list (an owner's chip never came), a grid's row right after the page loaded. Only for an action that
    /// is harmless to ask for twice.
    /// </summary>
    public static async Task ClickUntilAsync(ILocator target, Func<int, Task> done)
    {
        for (var attempt = 1; ; attempt++)
        {
            await target.ClickAsync();
            try
            {
                await done(attempt < 3 ? 10_000 : 30_000);
                return;
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                if (attempt == 3 || !await target.IsVisibleAsync()) throw;
            }
        }
    }

    /// <summary>An option of the select or autocomplete list now open (MudBlazor renders it in a popover).</summary>
    public static ILocator Option(IPage page, string text) => page.Locator(".mud-popover-open .mud-list-item", new() { HasText = text }).First;

    /// <summary>The dialog now open (MudBlazor), for choosing among its buttons.</summary>
    public static ILocator Dialog(IPage page) => page.Locator(".mud-dialog");

    /// <summary>Saves a full-page screenshot under artifacts/screenshots, named for the step.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Artifacts, "screenshots")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    /// <summary>Closes the browser, then fails the test class if any of its pages hit the Content-Security-Policy.</summary>
    public async Task DisposeAsync()
    {
        if (Instance is not null) await Instance.DisposeAsync();
        _playwright?.Dispose();
        AssertNoCspViolations();
    }
}
