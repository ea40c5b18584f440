using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;

namespace EtlStudio.Tests.Web;

/// <summary>
/// The whole journey, as the seeded users live it, one page after the other: a source is connected, access asked for
/// and granted, a script written and released, a task configured and released, run, watched, its outbox reviewed and
/// edited, uploaded as a new version of the data module, and all of it found in the audit trail. Every page visited
/// leaves a screenshot under artifacts/screenshots/journey-*.
/// </summary>
public sealed class JourneyBrowserTests(AppProcess app, Browser browser) : IClassFixture<AppProcess>, IClassFixture<Browser>
{
    private const string Source = "Support desk (journey)";
    private int _shot;

    private Task<IPage> SignInAsync(string login, string path) => browser.SignInAsync(app, login, path);

    private Task ShotAsync(IPage page, string name) => Browser.ScreenshotAsync(page, $"journey-{++_shot:00}-{name}");

    private static ILocator Row(IPage page, string grid, string text) => page.Locator($"[data-testid={grid}] tbody tr", new() { HasText = text });

    private static Task PickAsync(IPage page, string testId, string text) => Browser.PickAsync(page, testId, text);

    [Fact]
    public async Task From_a_new_source_to_a_new_version_of_the_data_module_in_the_studio()
    {
        // bob, who registers data modules, connects the support desk's database.
        var bob = await SignInAsync("bob", "/connections");
        await ShotAsync(bob, "connections");
        await Browser.OpenDialogAsync(bob.GetByTestId("connection-new"));
        await bob.GetByTestId("connection-name").FillAsync(Source);
        var secret = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Database = app.DemoPrefix + "_crm" }.ConnectionString;
        await bob.GetByTestId("connection-secret").FillAsync(secret);
        await ShotAsync(bob, "new-connection");
        await bob.GetByTestId("connection-save").ClickAsync();
        // Saved once the dialog closes; leaving the page before would end the circuit with the save still on its way.
        await Assertions.Expect(Browser.Dialog(bob)).ToHaveCountAsync(0);
        await bob.GotoAsync(app.BaseUrl + "/connections");
        await Assertions.Expect(Row(bob, "connections-grid", Source)).ToHaveCountAsync(1);

        // alice, a task editor, asks for READ; bob approves; alice is told.
        var alice = await SignInAsync("alice", "/connections");
        await Browser.OpenDialogAsync(alice.GetByTestId($"request-{Source}"));
        await alice.GetByTestId("request-reason").FillAsync("Ticket volumes for the churn model");
        await ShotAsync(alice, "request-access");
        await alice.GetByTestId("request-submit").ClickAsync();
        await Assertions.Expect(Row(alice, "connections-grid", Source)).ToContainTextAsync("READ requested");
        await bob.GotoAsync(app.BaseUrl + "/approvals");
        var request = Row(bob, "approvals-grid", "alice");
        await Assertions.Expect(request).ToContainTextAsync("Ticket volumes");
        await ShotAsync(bob, "approvals");
        await Browser.OpenDialogAsync(request.GetByTestId("approve-period"));
        await bob.GetByTestId("decision-comment").FillAsync("For the churn study");
        await bob.GetByTestId("decision-confirm").ClickAsync();
        await Assertions.Expect(bob.Locator("[data-testid=approvals-grid]")).ToContainTextAsync("Nothing waits for you");

        // alice writes and releases the extraction script.
        await alice.GotoAsync(app.BaseUrl + "/scripts/new");
        await alice.GetByTestId("script-name").FillAsync("Support desk customers");
        await alice.GetByTestId("script-editor-content").ClickAsync();
        await alice.Keyboard.TypeAsync("SELECT id, full_name, age, city FROM customers");
        await alice.GetByTestId("script-save").ClickAsync();
        await Browser.UntilUrlAsync(alice, u => u.Contains("/scripts/") && !u.EndsWith("/new"));
        await Browser.OpenDialogAsync(alice.GetByTestId("script-release"));
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(alice.GetByTestId("script-save")).ToContainTextAsync("new draft");
        await ShotAsync(alice, "script");

        // … configures a task on it, uploading to the warehouse, and releases it.
        await alice.GotoAsync(app.BaseUrl + "/tasks");
        await Browser.OpenDialogAsync(alice.GetByTestId("task-new"));
        await alice.GetByTestId("task-name").FillAsync("Support desk churn");
        await alice.GetByTestId("task-create").ClickAsync();
        await Browser.OpenDialogAsync(alice.GetByTestId("table-add"));
        await alice.GetByTestId("table-name").FillAsync("customers");
        await alice.GetByTestId("table-key").FillAsync("id");
        await alice.GetByTestId("table-columns").FillAsync("id Integer\nfull_name String\nage Integer\ncity String");
        await PickAsync(alice, "source-script-0", "Support desk customers");
        await PickAsync(alice, "source-connection-0", Source);
        await alice.GetByTestId("table-save").ClickAsync();
        await alice.GetByRole(AriaRole.Tab, new() { Name = "5. Upload" }).ClickAsync();
        await PickAsync(alice, "upload-script", "Warehouse upload");
        await PickAsync(alice, "upload-destination", "Customer analytics data module (demo)");
        await alice.GetByTestId("upload-save").ClickAsync();
        await Assertions.Expect(alice.GetByTestId("missing-none")).ToBeVisibleAsync();
        await ShotAsync(alice, "task");
        await Browser.OpenDialogAsync(alice.GetByTestId("task-release"));
        await Browser.Dialog(alice).GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(alice.GetByTestId("missing-none")).ToContainTextAsync("released");

        // … starts it and watches the run reach its outbox.
        await Browser.OpenDialogAsync(alice.GetByTestId("task-start"));
        await alice.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Browser.UntilUrlAsync(alice, url => url.Contains("/runs/"));
        var runId = alice.Url.Split('/').Last();
        await Assertions.Expect(alice.GetByTestId("run-state")).ToHaveTextAsync("Prepared", new() { Timeout = 90_000 });
        await Assertions.Expect(alice.GetByTestId("step-Outbox")).ToBeVisibleAsync();
        await ShotAsync(alice, "run");
        // The dashboard says an outbox awaits review.
        await alice.GotoAsync(app.BaseUrl + "/");
        await Assertions.Expect(alice.GetByTestId("dash-outboxes")).ToContainTextAsync("Support desk churn #1");
        await ShotAsync(alice, "dashboard");

        // carol, the data manager, reviews the outbox and corrects a city.
        var carol = await SignInAsync("carol", $"/outbox/{runId}");
        await Assertions.Expect(carol.GetByTestId("outbox-state")).ToHaveTextAsync("Prepared");
        var first = carol.Locator("[data-testid=outbox-grid] tbody tr").First;
        await first.GetByTestId("row-edit").ClickAsync();
        await carol.GetByTestId("edit-city").FillAsync("Brno");
        await carol.GetByTestId("row-save").ClickAsync();
        await Assertions.Expect(carol.GetByTestId("row-problems")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(carol, "outbox-grid", "Brno")).ToHaveCountAsync(1);
        await ShotAsync(carol, "outbox-edited");

        // alice uploads it: the data module gets its new version.
        await alice.GotoAsync($"{app.BaseUrl}/outbox/{runId}");
        await Browser.OpenDialogAsync(alice.GetByTestId("outbox-upload"));
        // The confirmation names the destination and the version; the demo task has no privacy policy, so nothing blocks it.
        await Assertions.Expect(alice.GetByTestId("upload-destination-line")).ToContainTextAsync("Customer analytics data module (demo)");
        await alice.GetByTestId("upload-confirm").ClickAsync();
        await Assertions.Expect(alice.GetByTestId("outbox-state")).ToHaveTextAsync("Uploaded", new() { Timeout = 90_000 });
        await ShotAsync(alice, "uploaded");
        await alice.GotoAsync(app.BaseUrl + "/datamodules");
        await Row(alice, "modules-grid", "Customer analytics data module (demo)").ClickAsync();
        await Assertions.Expect(alice.GetByTestId("versions-grid")).ToContainTextAsync("Support desk churn");
        await ShotAsync(alice, "data-module");

        // Everything on the way is in the audit trail.
        await alice.GotoAsync(app.BaseUrl + "/audit");
        var audit = alice.Locator("[data-testid=audit-grid]");
        foreach (var action in new[] { "upload.request", "outbox.", "run.prepared", "run.start", "task.release" })
            await Assertions.Expect(audit).ToContainTextAsync(action);
        await ShotAsync(alice, "audit");
    }
}
