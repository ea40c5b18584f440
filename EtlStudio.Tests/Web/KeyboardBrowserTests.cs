using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EtlStudio.Tests.Web;

/// <summary>
/// The access-request path by keyboard alone: dave asks, bob approves, dave reads the notification. Only Tab, typing,
/// Enter and Escape; no clicks after signing in.
/// </summary>
public sealed class KeyboardBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    /// <summary>Presses Tab until <paramref name="target"/> holds the focus; fails if it is never reached (not focusable by keyboard).</summary>
    private static async Task TabToAsync(IPage page, ILocator target, int most = 120)
    {
        await Assertions.Expect(target).ToBeVisibleAsync();
        var handle = await target.ElementHandleAsync();
        for (var i = 0; i < most; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("el => document.activeElement === el || el.contains(document.activeElement)", handle)) return;
        }
        throw new InvalidOperationException($"{target} was not reached with {most} presses of Tab.");
    }

    [Fact]
    public async Task Asking_for_access_approving_it_and_reading_the_notification_work_by_keyboard_alone()
    {
        var dave = await browser.SignInAsync(app, "dave", "/connections");
        await TabToAsync(dave, dave.GetByTestId("request-Billing (demo)"));
        await dave.Keyboard.PressAsync("Enter");
        await TabToAsync(dave, dave.GetByTestId("request-reason"));
        await dave.Keyboard.TypeAsync("Invoices for the churn model");
        await TabToAsync(dave, dave.GetByTestId("request-submit"));
        await dave.Keyboard.PressAsync("Enter");
        await Assertions.Expect(dave.Locator("[data-testid=connections-grid] tbody tr", new() { HasText = "Billing (demo)" })).ToContainTextAsync("READ requested");

        var bob = await browser.SignInAsync(app, "bob", "/approvals");
        var request = bob.Locator("[data-testid=approvals-grid] tbody tr", new() { HasText = "Invoices for the churn model" });
        await TabToAsync(bob, request.GetByTestId("approve"));
        await bob.Keyboard.PressAsync("Enter");
        await TabToAsync(bob, bob.GetByTestId("decision-comment"));
        await bob.Keyboard.TypeAsync("Approved by keyboard");
        await TabToAsync(bob, bob.GetByTestId("decision-confirm"));
        await bob.Keyboard.PressAsync("Enter");
        await Assertions.Expect(bob.Locator("[data-testid=approvals-grid]")).ToContainTextAsync("Nothing waits for you");

        await dave.ReloadAsync();
        await Assertions.Expect(dave.GetByTestId("notification-count")).ToHaveTextAsync("1");
        await TabToAsync(dave, dave.GetByTestId("notification-bell"));
        await dave.Keyboard.PressAsync("Enter");
        var item = dave.Locator("[data-testid=notification-list] [role=listitem]", new() { HasText = "Billing (demo)" }).First;
        await Assertions.Expect(item).ToContainTextAsync("approved");
        await TabToAsync(dave, item);
        await Browser.ScreenshotAsync(dave, "keyboard-01-notification");
        await dave.Keyboard.PressAsync("Enter");
        await Assertions.Expect(dave.GetByTestId("notification-list")).ToHaveCountAsync(0);
        await Assertions.Expect(dave.GetByTestId("notification-count")).ToHaveCountAsync(0);
    }
}
