using System.Text;
using System.Text.RegularExpressions;
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
    private const string Refused = "/signin?error=sso";

    private async Task SignInThroughProviderAsync(IPage page, string login, string path = "/")
    {
        await page.GotoAsync(app.BaseUrl + path);
        await Browser.UntilUrlAsync(page, u => u.Contains("/signin"));
        await page.GetByTestId("signin-sso").ClickAsync();
        await LogInAtProviderAsync(page, login);
        if (page.Url.Contains(Refused)) Assert.Fail($"The sign-in of {login} was refused; the app's log ends:\n{app.Log[Math.Max(0, app.Log.Length - 3000)..]}");
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl, StringComparison.Ordinal) && !u.Contains("/signin"));
    }

    /// <summary>Logs in at the provider's form (and consents on the first visit) until the browser is back at the app, wherever there.</summary>
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
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl, StringComparison.Ordinal));
    }

    /// <summary>A refused sign-in: the sign-in page with its message, and no session (a page of the studio sends the browser back to sign in).</summary>
    private async Task AssertRefusedAsync(IPage page, string login)
    {
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl + Refused, StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("signin-error")).ToContainTextAsync("Single sign-on did not complete");
        await Browser.ScreenshotAsync(page, $"oidc-refused-{login}");
        await page.GotoAsync(app.BaseUrl + "/audit");
        await Browser.UntilUrlAsync(page, u => u.Contains("/signin"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM app.users WHERE external_subject = @s", OidcTestProvider.SubjectOf(login)));
    }

    private async Task<T> ScalarAsync<T>(string sql, string parameter)
    {
        await using var conn = new NpgsqlConnection(app.DatabaseConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("s", parameter);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private Task<bool> IsAdminAsync(string login) => ScalarAsync<bool>(
        "SELECT EXISTS (SELECT 1 FROM app.users u JOIN app.role_assignments r ON r.user_id = u.id WHERE u.external_subject = @s AND r.role = 'ADMIN')",
        OidcTestProvider.SubjectOf(login));

    private HttpClient NoRedirectClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = new Uri(app.BaseUrl) };

    [Fact]
    public async Task A_user_signs_in_at_the_provider_signs_out_there_and_signs_in_again_as_the_same_account()
    {
        var page = await browser.NewPageAsync();
        await SignInThroughProviderAsync(page, "erin", "/audit");
        // Back where the sign-in started, as the provisioned user.
        Assert.Equal(app.BaseUrl + "/audit", page.Url);
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("erin");
        await Browser.ScreenshotAsync(page, "oidc-02-signed-in");
        // erin's verified e-mail names the first administrator.
        await page.GotoAsync(app.BaseUrl + "/users");
        await Assertions.Expect(page.Locator("[data-testid=users-grid]")).ToContainTextAsync("erin");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        // Our cookie is gone; the provider's end-session page asks to end its own session, then sends the browser back.
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.Provider.Issuer + "/session/end", StringComparison.Ordinal));
        var endSession = page.Locator("button[autofocus], button[type=submit]").First;
        await Assertions.Expect(endSession).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "oidc-03-provider-end-session");
        await endSession.ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.BaseUrl + "/signin", StringComparison.Ordinal));
        await page.GotoAsync(app.BaseUrl + "/audit");
        await Browser.UntilUrlAsync(page, u => u.Contains("/signin"));

        // The provider's session ended too: it asks for the login again. Signing in finds the same account.
        await SignInThroughProviderAsync(page, "erin");
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("erin");
        await using var conn = new NpgsqlConnection(app.DatabaseConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*), min(login), min(email), min(display_name), min(external_issuer) FROM app.users WHERE external_subject = @s", conn);
        cmd.Parameters.AddWithValue("s", OidcTestProvider.SubjectOf("erin"));
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        // Login, e-mail and name came from the provider's userinfo endpoint: its id_tokens carry only the subject.
        Assert.Equal((1L, "erin", "erin@example.org", "Erin Provider", app.Provider.Issuer),
            (reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
    }

    [Fact]
    public async Task The_sign_out_redirect_names_the_session_by_its_id_token_and_comes_back_to_the_app()
    {
        var page = await browser.NewPageAsync();
        await SignInThroughProviderAsync(page, "ivan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Browser.UntilUrlAsync(page, u => u.StartsWith(app.Provider.Issuer + "/session/end", StringComparison.Ordinal));
        Assert.Contains("id_token_hint=", page.Url);
        Assert.Contains("post_logout_redirect_uri=" + Uri.EscapeDataString(app.BaseUrl + "/auth/signed-out"), page.Url);
    }

    [Fact]
    public async Task First_administrators_are_named_by_verified_email_or_by_issuer_and_subject_never_by_an_unverified_email()
    {
        // The provider marks this account's e-mail (erin@example.org, the configured first admin's) as unverified.
        await SignInThroughProviderAsync(await browser.NewPageAsync(), "unverified-erin");
        Assert.False(await IsAdminAsync("unverified-erin"));
        await SignInThroughProviderAsync(await browser.NewPageAsync(), "grace");
        Assert.True(await IsAdminAsync("grace"));
        await SignInThroughProviderAsync(await browser.NewPageAsync(), "heidi");
        Assert.False(await IsAdminAsync("heidi"));
    }

    [Theory]
    [InlineData("wrongaud-mallory")] // re-signed by the provider's key for another audience
    [InlineData("expired-mallory")]  // re-signed by the provider's key, expired an hour ago
    [InlineData("tampered-mallory")] // erin's subject put in, signature left as it was
    public async Task An_id_token_for_another_audience_expired_or_tampered_with_ends_on_the_sign_in_page_with_nobody_signed_in(string login)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(app.BaseUrl + "/signin");
        await page.GetByTestId("signin-sso").ClickAsync();
        await LogInAtProviderAsync(page, login);
        await AssertRefusedAsync(page, login);
        Assert.DoesNotContain("eyJ", app.Log);
    }

    [Fact]
    public async Task A_replayed_callback_is_refused_and_signs_nobody_in()
    {
        var page = await browser.NewPageAsync();
        string? callback = null;
        await page.RouteAsync("**/auth/callback", async route =>
        {
            callback ??= route.Request.PostData;
            await route.ContinueAsync();
        });
        await SignInThroughProviderAsync(page, "judy");
        Assert.Contains("state=", callback);
        Assert.Contains("code=", callback);

        // Another browser posts the same code and state again: no correlation cookie, and the code is spent.
        using var http = NoRedirectClient();
        var replay = await http.PostAsync("/auth/callback", new StringContent(callback!, Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(Refused, replay.Headers.Location?.OriginalString);
        Assert.DoesNotContain(replay.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("etlstudio=", StringComparison.Ordinal));
        var audit = await http.GetAsync("/audit");
        Assert.Contains("/signin", audit.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_forged_code_ends_on_the_sign_in_page_with_nobody_signed_in()
    {
        var page = await browser.NewPageAsync();
        // The browser carries the real state back, with a code the provider never issued.
        await page.RouteAsync("**/auth/callback", route => route.ContinueAsync(new RouteContinueOptions
        {
            PostData = Encoding.UTF8.GetBytes(Regex.Replace(route.Request.PostData ?? "", "code=[^&]*", "code=forged-code")),
        }));
        await page.GotoAsync(app.BaseUrl + "/signin");
        await page.GetByTestId("signin-sso").ClickAsync();
        await LogInAtProviderAsync(page, "forger");
        await AssertRefusedAsync(page, "forger");
        Assert.DoesNotContain("forged-code", app.Log);
        Assert.DoesNotContain("etlstudio-test-secret", app.Log);
    }

    [Fact]
    public async Task A_made_up_callback_is_refused_without_a_500()
    {
        using var http = NoRedirectClient();
        var posted = await http.PostAsync("/auth/callback", new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "made-up", ["state"] = "made-up" }));
        Assert.Equal(Refused, posted.Headers.Location?.OriginalString);
        var error = await http.GetAsync("/auth/callback?error=server_error&error_description=%0d%0aforged%20log%20line&state=x");
        Assert.Equal(Refused, error.Headers.Location?.OriginalString);
        Assert.DoesNotContain("made-up", app.Log);
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
}
