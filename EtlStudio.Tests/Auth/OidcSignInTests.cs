using EtlStudio.Protos.UserManager;
using EtlStudio.Tests.Grpc;
using EtlStudio.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Playwright;
using Npgsql;

namespace EtlStudio.Tests.Auth;

/// <summary>Single sign-on through a real OpenID provider, in the browser and for gRPC machine clients.</summary>
public sealed class OidcSignInTests(OidcApp app, Browser browser) : IClassFixture<OidcApp>, IClassFixture<Browser>
{

    private async Task SignInThroughProviderAsync(IPage page, string login)
    {
        await page.GotoAsync(app.BaseUrl + "/");
        await page.WaitForURLAsync(u => u.Contains("/signin"));
        await page.GetByTestId("signin-sso").ClickAsync();
        await page.WaitForURLAsync(u => u.StartsWith(app.Provider.Issuer, StringComparison.Ordinal));
        await page.Locator("input[name=login]").FillAsync(login);
        await page.Locator("input[name=password]").FillAsync("any password works here");
        await Browser.ScreenshotAsync(page, $"oidc-01-provider-login-{login}");
        await page.Locator("button[type=submit]").ClickAsync();
        // The provider asks for consent on the first visit only.
        await page.WaitForURLAsync(u => u.StartsWith(app.BaseUrl, StringComparison.Ordinal) || u.Contains("/interaction/"));
        if (page.Url.Contains("/interaction/")) await page.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(u => u.StartsWith(app.BaseUrl, StringComparison.Ordinal) && !u.Contains("/signin"));
    }

    [Fact]
    public async Task A_user_signs_in_at_the_provider_lands_on_the_dashboard_as_the_provisioned_user_and_signs_out()
    {
        var page = await browser.NewPageAsync();
        await SignInThroughProviderAsync(page, "erin");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("erin");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");
        await Browser.ScreenshotAsync(page, "oidc-02-dashboard");
        // erin is the configured first administrator.
        await page.GotoAsync(app.BaseUrl + "/users");
        await Assertions.Expect(page.Locator("[data-testid=users-grid]")).ToContainTextAsync("erin");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(u => u.StartsWith(app.Provider.Issuer, StringComparison.Ordinal) || u.Contains("/signin"));
        if (page.Url.StartsWith(app.Provider.Issuer, StringComparison.Ordinal)) await page.Locator("button[autofocus], button[type=submit]").First.ClickAsync();
        await page.WaitForURLAsync(u => u.StartsWith(app.BaseUrl + "/signin", StringComparison.Ordinal));
        await page.GotoAsync(app.BaseUrl + "/audit");
        await page.WaitForURLAsync(u => u.Contains("/signin"));

        // Signing in again finds the same account instead of creating another.
        await SignInThroughProviderAsync(page, "erin");
        await using var conn = new NpgsqlConnection(app.DatabaseConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM app.users WHERE external_subject = 'erin'", conn);
        Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task The_providers_client_credentials_token_is_accepted_over_gRPC()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var reply = await client.SendAsync("/etl.user.manager.V1.UserManager/GetUser", GrpcFrames.Of(new GetUserRequest()), token: await app.Provider.ClientCredentialsTokenAsync());
        Assert.Equal("0", reply.GrpcStatus);
        Assert.Equal("machine", GetUserResponse.Parser.ParseFrom(reply.Body.AsSpan(5)).User.Name);
    }

    [Fact]
    public async Task Tokens_for_another_audience_with_a_broken_signature_or_expired_are_refused()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var body = GrpcFrames.Of(new GetUserRequest());
        const string path = "/etl.user.manager.V1.UserManager/GetUser";

        var otherAudience = await app.Provider.ClientCredentialsTokenAsync(resource: "urn:other:api");
        Assert.Equal("16", (await client.SendAsync(path, body, token: otherAudience)).GrpcStatus);

        var good = await app.Provider.ClientCredentialsTokenAsync();
        var parts = good.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string(parts[2].Reverse().ToArray())}";
        Assert.Equal("16", (await client.SendAsync(path, body, token: forged)).GrpcStatus);

        var shortLived = await app.Provider.ClientCredentialsTokenAsync("short-lived", "short-lived-secret");
        Assert.Equal("0", (await client.SendAsync(path, body, token: shortLived)).GrpcStatus);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the token's own 2-second lifetime runs out; clock skew is 0 in this app
        Assert.Equal("16", (await client.SendAsync(path, body, token: shortLived)).GrpcStatus);
    }
}
