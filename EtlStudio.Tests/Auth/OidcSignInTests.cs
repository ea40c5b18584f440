using EtlStudio.Protos.UserManager;
using EtlStudio.Tests.Grpc;
using EtlStudio.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;
using Npgsql;

namespace EtlStudio.Tests.Auth;

/// <summary>Single sign-on through a real OpenID provider, in the browser and for gRPC machine clients.</summary>
public sealed class OidcSignInTests(OidcApp app, Browser browser) : IClassFixture<OidcApp>, IClassFixture<Browser>
{

    private async Task SignInThroughProviderAsync(IPage page, string login)
    {
        await page.GotoAsync(app.BaseUrl + "/");
        await Browser.UntilUrlAsync(page, u => u.Contains("/signin"));
        await page.GetByTestId("signin-sso").ClickAsync();
        await LogInAtProviderAsync(page, login);
    }

    private async Task LogInAtProviderAsync(IPage page, string login)
    {
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.Provider.Issuer, StringComparison.Ordinal));
        await page.Locator("input[name=login]").FillAsync(login);
        await page.Locator("input[name=password]").FillAsync("any password works here");
        await Browser.ScreenshotAsync(page, $"oidc-01-provider-login-{login}");
        await page.Locator("button[type=submit]").ClickAsync();
        // The provider asks for consent on the first visit only.
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl, StringComparison.Ordinal) || u.Contains("/interaction/"));
        if (page.Url.Contains("/interaction/")) await page.Locator("button[type=submit]").ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl, StringComparison.Ordinal) && !u.Contains("/signin"));
    }

    private int LogCount(string line) => app.Log.Split(line).Length - 1;

    /// <summary>The app's output reaches us after its HTTP answer, so wait for the line instead of reading the log at once.</summary>
    private async Task LogCountReachesAsync(string line, int count)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); LogCount(line) < count && DateTime.UtcNow < deadline;) await Task.Delay(50);
        Assert.True(LogCount(line) >= count, $"expected '{line}' {count} time(s) in the app's log");
    }

    private HttpClient NoRedirectClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = new Uri(app.BaseUrl) };

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
        // Our cookie is gone; the provider's end-session page asks to end its own session, then sends the browser back.
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.Provider.Issuer + "/session/end", StringComparison.Ordinal));
        Assert.Contains("id_token_hint=", page.Url);
        Assert.Contains("post_logout_redirect_uri=" + Uri.EscapeDataString(app.BaseUrl + "/signin"), page.Url);
        var endSession = page.Locator("button[autofocus], button[type=submit]").First;
        await Assertions.Expect(endSession).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "oidc-03-provider-end-session");
        await endSession.ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl + "/signin", StringComparison.Ordinal));
        await page.GotoAsync(app.BaseUrl + "/audit");
        await Browser.UntilUrlAsync(page, u => u.Contains("/signin"));

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
        // The token's own lifetime (a few seconds) runs out; clock skew is 0 in this app. Its exp is whole seconds, so
        // the wait reads it rather than guessing, and a slow first call above cannot eat the token's lifetime.
        var expires = DateTimeOffset.FromUnixTimeSeconds(new JsonWebToken(shortLived).GetPayloadValue<long>("exp"));
        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));
        Assert.Equal("16", (await client.SendAsync(path, body, token: shortLived)).GrpcStatus);
    }

    [Fact]
    public async Task Cancelling_at_the_provider_returns_to_the_sign_in_page_with_a_friendly_message()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/signin");
        await page.GetByTestId("signin-sso").ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.Provider.Issuer, StringComparison.Ordinal));
        // The provider answers the callback with error=access_denied.
        await page.GetByText("[ Cancel ]").ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl + "/signin?error=sso", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("signin-error")).ToContainTextAsync("Single sign-on did not complete");
        await Assertions.Expect(page.GetByTestId("signin-sso")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "oidc-04-sign-in-cancelled");
        Assert.DoesNotContain("access_denied", await page.ContentAsync());
    }

    [Fact]
    public async Task A_callback_without_the_sign_in_cookie_with_another_state_or_a_made_up_code_is_refused()
    {
        using var http = NoRedirectClient();
        var noCookie = await http.GetAsync("/auth/callback?code=made-up&state=made-up");
        Assert.Equal("/signin?error=sso", noCookie.Headers.Location?.OriginalString);

        // A real sign-in start sets the state cookie; a callback with another state is still refused.
        var start = await http.GetAsync("/auth/sign-in?returnUrl=%2Faudit");
        Assert.StartsWith(app.Provider.Issuer + "/auth?", start.Headers.Location?.OriginalString);
        var wrongState = await http.GetAsync("/auth/callback?code=made-up&state=another-state");
        Assert.Equal("/signin?error=sso", wrongState.Headers.Location?.OriginalString);

        // The right state with a code the provider never issued: the token endpoint refuses it.
        start = await http.GetAsync("/auth/sign-in");
        var state = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(start.Headers.Location!.Query)["state"].ToString();
        var madeUpCode = await http.GetAsync($"/auth/callback?code=made-up&state={Uri.EscapeDataString(state)}");
        Assert.Equal("/signin?error=sso", madeUpCode.Headers.Location?.OriginalString);
        Assert.False((await http.GetAsync("/audit")).IsSuccessStatusCode, "no session may come out of a refused callback");
        // Each refusal is logged with its reason, never with the code, a token or the client secret.
        await LogCountReachesAsync("Single sign-on refused: state missing, expired or not matching", 2);
        await LogCountReachesAsync("Single sign-on refused: token endpoint answered 400", 1);
        Assert.DoesNotContain("made-up", app.Log);
        Assert.DoesNotContain("eyJ", app.Log);
        Assert.DoesNotContain("etlstudio-test-secret", app.Log);
    }

    [Fact]
    public async Task The_challenge_asks_for_a_code_with_pkce_s256_a_nonce_and_the_openid_scopes()
    {
        using var http = NoRedirectClient();
        var location = (await http.GetAsync("/auth/sign-in")).Headers.Location!;
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Equal(43, query["code_challenge"].ToString().Length); // base64url of a SHA-256 digest
        Assert.False(string.IsNullOrEmpty(query["nonce"].ToString()));
        Assert.Equal("openid profile email", query["scope"].ToString());
        Assert.Equal(app.BaseUrl + "/auth/callback", query["redirect_uri"].ToString());
    }

    [Fact]
    public async Task A_return_url_outside_the_app_is_ignored()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/auth/sign-in?returnUrl=" + Uri.EscapeDataString("https://evil.example/"));
        await LogInAtProviderAsync(page, "frank");
        Assert.Equal(app.BaseUrl + "/", page.Url);
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("frank");
    }

    [Fact]
    public async Task Development_sign_in_and_tokens_do_not_exist_in_oidc_mode()
    {
        using var http = NoRedirectClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["user"] = "alice" });
        var token = await http.PostAsync("/auth/dev-token", form);
        Assert.False(token.IsSuccessStatusCode);
        Assert.DoesNotContain("access_token", await token.Content.ReadAsStringAsync());
        var signIn = await http.PostAsync("/auth/dev-sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["user"] = "alice" }));
        Assert.False(signIn.IsSuccessStatusCode);
        Assert.NotEqual("/", signIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Two_sign_ins_started_in_one_browser_keep_their_own_state()
    {
        using var http = NoRedirectClient();
        string StateOf(HttpResponseMessage r) => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(r.Headers.Location!.Query)["state"].ToString();
        var first = StateOf(await http.GetAsync("/auth/sign-in"));
        var second = StateOf(await http.GetAsync("/auth/sign-in"));
        Assert.NotEqual(first, second);

        // The first tab's state still finds its cookie after the second tab started: the callback gets as far as the
        // token endpoint (which refuses the made-up code) instead of stopping at a state mismatch.
        const string tokenRefusal = "Single sign-on refused: token endpoint answered 400";
        const string stateRefusal = "Single sign-on refused: state missing";
        var (tokenRefusals, stateRefusals) = (LogCount(tokenRefusal), LogCount(stateRefusal));
        Assert.Equal("/signin?error=sso", (await http.GetAsync($"/auth/callback?code=made-up&state={first}")).Headers.Location?.OriginalString);
        await LogCountReachesAsync(tokenRefusal, tokenRefusals + 1);
        Assert.Equal(stateRefusals, LogCount(stateRefusal));
        // Each cookie serves once.
        Assert.Equal("/signin?error=sso", (await http.GetAsync($"/auth/callback?code=made-up&state={first}")).Headers.Location?.OriginalString);
        await LogCountReachesAsync(stateRefusal, stateRefusals + 1);
    }
}
