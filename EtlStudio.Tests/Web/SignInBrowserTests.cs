using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

public sealed class SignInBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    [Fact]
    public async Task The_sign_in_page_lists_the_seeded_users_and_signing_in_lands_on_the_dashboard()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/audit");

        // Unauthenticated: sent to the sign-in page, which lists the demo users.
        await Browser.UntilUrlAsync(page, url => url.Contains("/signin"));
        foreach (var login in new[] { "alice", "bob", "carol", "dave" })
            await Assertions.Expect(page.GetByTestId($"signin-{login}")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "01-sign-in");

        await page.GetByTestId("signin-alice").ClickAsync();
        await Browser.UntilUrlAsync(page, url => url.EndsWith("/audit"));
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("alice");
        // The audit trail shows the demo seed's entries (the demo task's release last), and a row opens its before/after details.
        await Assertions.Expect(page.Locator("[data-testid=audit-grid] tbody tr").First).ToContainTextAsync("task.release");
        await page.Locator("[data-testid=audit-grid] tbody tr").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-details")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "02-audit");

        await page.Keyboard.PressAsync("Escape");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Browser.UntilUrlAsync(page, url => url.Contains("/signin"));
        // Blazor's circuit, the grids and the sign-out form all ran under the studio's Content-Security-Policy.
        browser.AssertNoCspViolations();
    }
}
