using Microsoft.Playwright;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download here). One browser per test class;
/// each test takes a fresh context, so cookies never leak between tests.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;

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

    public async Task<IPage> NewPageAsync()
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new page signed in to the app as one of the seeded users (Development sign-in), opened at <paramref name="path"/>.</summary>
    public async Task<IPage> SignInAsync(AppProcess app, string login, string path = "/")
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{app.BaseUrl}/signin?returnUrl={Uri.EscapeDataString(path)}");
        await page.GetByTestId($"signin-{login}").ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(login);
        return page;
    }

    /// <summary>Saves a full-page screenshot under artifacts/screenshots, named for the step.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Artifacts, "screenshots")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    public async Task DisposeAsync()
    {
        if (Instance is not null) await Instance.DisposeAsync();
        _playwright?.Dispose();
    }
}
