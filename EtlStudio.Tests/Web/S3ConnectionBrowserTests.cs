using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Playwright;
using S3Location = EtlStudio.Core.Connections.S3Location;

namespace EtlStudio.Tests.Web;

/// <summary>
/// S3 data modules in Chromium (issue 31), against a real s3rver: the demo's S3 module shows the version the seed
/// published, whose metadata a user opens; bob creates an S3 connection in the form, tests it (it lists the prefix) and
/// never sees the secret again; bad details are refused with the reason and change nothing.
/// </summary>
public sealed class S3ConnectionBrowserTests(S3ConnectionBrowserTests.App app, Browser browser) : IClassFixture<S3ConnectionBrowserTests.App>, IClassFixture<Browser>
{
    /// <summary>The app with an s3rver of its own for the demo's S3 data module (as <c>./run.sh</c> starts it).</summary>
    public sealed class App : AppProcess
    {
        public S3TestServer S3 { get; } = new();

        protected override IDictionary<string, string> Environment => new Dictionary<string, string> { ["Demo__S3Endpoint"] = S3.Endpoint };

        public override async Task InitializeAsync()
        {
            await S3.InitializeAsync();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await S3.DisposeAsync();
        }
    }

    private const string SecretKey = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzEXAMPLEKEY";

    private static ILocator Row(IPage page, string grid, string text) => page.Locator($"[data-testid={grid}] tbody tr", new() { HasText = text });

    [Fact]
    public async Task The_demo_S3_module_shows_its_first_version_whose_metadata_names_the_parts_in_the_bucket()
    {
        var alice = await browser.SignInAsync(app, "alice", "/datamodules");
        var module = Row(alice, "modules-grid", "Churn features on S3 (demo)");
        await Assertions.Expect(module).ToContainTextAsync("S3 object storage");
        await Assertions.Expect(module).ToContainTextAsync("v1");
        await module.GetByRole(AriaRole.Button).ClickAsync();
        var version = Row(alice, "versions-grid", "v1");
        await Assertions.Expect(version).ToContainTextAsync("current");
        await Assertions.Expect(version).ToContainTextAsync("Churn features to S3 (demo) · run 1");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Metadata of v1" }).ClickAsync();
        var href = await alice.GetByTestId("metadata-download").GetAttributeAsync("href");
        await Browser.ScreenshotAsync(alice, "s3-01-demo-version");

        // The document the user downloads lists every Parquet part by its s3:// address, with the sha256 of the object stored there.
        const string dataUrl = "data:application/ld+json;charset=utf-8,";
        Assert.StartsWith(dataUrl, href);
        var files = JsonNode.Parse(Uri.UnescapeDataString(href![dataUrl.Length..]))!["distribution"]!.AsArray().OfType<JsonObject>()
            .Where(d => (string?)d["@type"] == "cr:FileObject").ToList();
        Assert.Equal(["customers/part-00000.parquet", "order_totals/part-00000.parquet", "orders/part-00000.parquet"], files.Select(f => (string)f["name"]!).Order(StringComparer.Ordinal));
        using var s3 = new S3Location(app.S3.Endpoint, "us-east-1", "etlstudio-demo", "", true, S3TestServer.AccessKey, S3TestServer.SecretKey).CreateClient();
        foreach (var file in files)
        {
            var url = (string)file["contentUrl"]!;
            Assert.StartsWith("s3://etlstudio-demo/modules/churn/v1/", url);
            using var stored = await s3.GetObjectAsync("etlstudio-demo", url["s3://etlstudio-demo/".Length..]);
            Assert.Equal((string)file["sha256"]!, Convert.ToHexStringLower(await SHA256.HashDataAsync(stored.ResponseStream)));
        }
        using var pointer = await s3.GetObjectAsync("etlstudio-demo", "modules/churn/current.json");
        Assert.Equal(1, (int)JsonNode.Parse(pointer.ResponseStream)!["version"]!);
    }

    [Fact]
    public async Task An_S3_connection_made_in_the_form_lists_its_prefix_hides_its_secret_and_refuses_bad_details_without_saving_them()
    {
        var bucket = await app.S3.NewBucketAsync("team/churn");
        using (var s3 = bucket.CreateClient())
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket.Bucket, Key = "team/churn/readme.txt", ContentBody = "hello", UseChunkEncoding = false });
        var bob = await browser.SignInAsync(app, "bob", "/connections");

        async Task FillAsync(string name, string endpoint, string accessKey)
        {
            await Browser.OpenDialogAsync(bob.GetByTestId("connection-new"));
            await bob.GetByTestId("connection-name").FillAsync(name);
            await Browser.PickAsync(bob, "connection-kind", "S3 object storage");
            await bob.GetByTestId("s3-endpoint").FillAsync(endpoint);
            await bob.GetByTestId("s3-bucket").FillAsync(bucket.Bucket);
            await bob.GetByTestId("s3-region").FillAsync("us-east-1");
            await bob.GetByTestId("s3-prefix").FillAsync("team/churn/");
            await bob.GetByTestId("s3-access-key").FillAsync(accessKey);
            await bob.GetByTestId("s3-secret-key").FillAsync(SecretKey);
        }

        // The refusal is told in a message that stays until read: bob reads it, closes it and cancels the dialog.
        async Task RefusedAsync(string reason, string screenshot)
        {
            var message = bob.Locator(".mud-snackbar", new() { HasText = "Please correct the input" });
            await Assertions.Expect(message).ToContainTextAsync(reason);
            await Browser.ScreenshotAsync(bob, screenshot);
            await message.GetByRole(AriaRole.Button).ClickAsync();
            await Assertions.Expect(message).ToHaveCountAsync(0);
            await Browser.Dialog(bob).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Assertions.Expect(Browser.Dialog(bob)).ToHaveCountAsync(0);
        }

        // An endpoint that is no URL: refused with the reason, the dialog stays open, and nothing is saved.
        await FillAsync("Churn lake (typo)", "s3 dot example", S3TestServer.AccessKey);
        await bob.GetByTestId("connection-save").ClickAsync();
        await RefusedAsync("Endpoint must be an http or https URL", "s3-02-bad-endpoint");
        await bob.GotoAsync(app.BaseUrl + "/connections");
        await Assertions.Expect(Row(bob, "connections-grid", "CRM (demo)")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(bob, "connections-grid", "Churn lake (typo)")).ToHaveCountAsync(0);

        // Good details: saved; the test lists the prefix; the details show everything but the key pair.
        await FillAsync("Churn lake", app.S3.Endpoint, S3TestServer.AccessKey);
        await Browser.ScreenshotAsync(bob, "s3-03-form");
        await bob.GetByTestId("connection-save").ClickAsync();
        await Assertions.Expect(Browser.Dialog(bob)).ToHaveCountAsync(0);
        await bob.GotoAsync(app.BaseUrl + "/connections");
        await Row(bob, "connections-grid", "Churn lake").GetByRole(AriaRole.Link, new() { Name = "Churn lake", Exact = true }).ClickAsync();
        await Browser.UntilUrlAsync(bob, u => u.Contains("/connections/"));
        var hint = $"{app.S3.Endpoint} s3://{bucket.Bucket}/team/churn/ (region us-east-1, path-style, key •••)";
        await Assertions.Expect(bob.Locator("dl.etl-details")).ToContainTextAsync(hint);
        await bob.GetByTestId("connection-test").ClickAsync();
        await Assertions.Expect(bob.GetByTestId("connection-test-result")).ToContainTextAsync($"Connected: s3://{bucket.Bucket}/team/churn holds 1 object(s): team/churn/readme.txt");
        await Browser.ScreenshotAsync(bob, "s3-05-tested");
        Assert.DoesNotContain(SecretKey, await bob.ContentAsync());

        // Shown again for editing, the secret is not there; details half filled in are refused and the stored ones stay.
        await Browser.OpenDialogAsync(bob.GetByTestId("connection-edit"));
        await Assertions.Expect(Browser.Dialog(bob)).ToContainTextAsync(hint);
        await Assertions.Expect(bob.GetByTestId("s3-secret-key")).ToHaveValueAsync("");
        Assert.DoesNotContain(SecretKey, await bob.ContentAsync());
        await bob.GetByTestId("s3-endpoint").FillAsync("http://127.0.0.1:1");
        await bob.GetByTestId("connection-save").ClickAsync();
        await RefusedAsync("Bucket must be a bucket name", "s3-04-half-filled");
        await bob.ReloadAsync();
        await Assertions.Expect(bob.Locator("dl.etl-details")).ToContainTextAsync(hint);
        await bob.GetByTestId("connection-test").ClickAsync();
        await Assertions.Expect(bob.GetByTestId("connection-test-result")).ToContainTextAsync("holds 1 object(s)");

        // A key the server does not know: well formed, so saved, and its test says the server refused it.
        await bob.GotoAsync(app.BaseUrl + "/connections");
        await FillAsync("Churn lake (wrong key)", app.S3.Endpoint, "AKIAUNKNOWNKEY");
        await bob.GetByTestId("connection-save").ClickAsync();
        await Assertions.Expect(Browser.Dialog(bob)).ToHaveCountAsync(0);
        await bob.GotoAsync(app.BaseUrl + "/connections");
        await Row(bob, "connections-grid", "Churn lake (wrong key)").GetByRole(AriaRole.Link).ClickAsync();
        await Browser.UntilUrlAsync(bob, u => u.Contains("/connections/"));
        await bob.GetByTestId("connection-test").ClickAsync();
        await Assertions.Expect(bob.GetByTestId("connection-test-result")).ToContainTextAsync("S3 refused: InvalidAccessKeyId (HTTP 403)");
        await Assertions.Expect(bob.GetByTestId("connection-test-result")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("error"));
        await Browser.ScreenshotAsync(bob, "s3-06-refused");
        Assert.DoesNotContain(SecretKey, await bob.ContentAsync());
    }
}
