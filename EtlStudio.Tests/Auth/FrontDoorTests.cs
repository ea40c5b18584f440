using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using EtlStudio.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace EtlStudio.Tests.Auth;

/// <summary>What every browser request meets: security headers, antiforgery on sign-out, local return addresses only.</summary>
public sealed partial class FrontDoorTests(AppProcess app) : IClassFixture<AppProcess>
{
    private HttpClient Client(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = new Uri(app.BaseUrl) };

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"|<input[^>]*value=\"([^\"]+)\"[^>]*name=\"__RequestVerificationToken\"")]
    private static partial Regex AntiforgeryField();

    private static string TokenIn(string page)
    {
        var match = AntiforgeryField().Match(page);
        Assert.True(match.Success, "the page has no antiforgery field");
        return match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
    }

    /// <summary>The sign-in page's antiforgery token (its cookie lands in the client's container).</summary>
    private static async Task<string> AntiforgeryTokenAsync(HttpClient http)
    {
        var page = await (await http.GetAsync("/signin")).Content.ReadAsStringAsync();
        return TokenIn(page);
    }

    private static async Task<HttpResponseMessage> DevSignInAsync(HttpClient http, string? returnUrl)
    {
        var form = new Dictionary<string, string> { ["user"] = "alice", ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(http) };
        if (returnUrl is not null) form["returnUrl"] = returnUrl;
        return await http.PostAsync("/auth/dev-sign-in", new FormUrlEncodedContent(form));
    }

    /// <summary>Every @page route of the studio, route parameters filled with a made-up id.</summary>
    public static TheoryData<string> PageRoutes()
    {
        var routes = typeof(EtlStudio.Web.Auth.ReturnUrls).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(r => Regex.Replace(r.Template, "\\{[^}]+\\}", Guid.NewGuid().ToString()))
            .Distinct().Order().ToList();
        Assert.Contains("/signin", routes);
        var data = new TheoryData<string>();
        foreach (var route in routes) data.Add(route);
        return data;
    }

    [Theory]
    [MemberData(nameof(PageRoutes))]
    public async Task Every_page_answers_with_the_security_headers(string route)
    {
        var cookies = new CookieContainer();
        using var http = Client(cookies);
        Assert.Equal(HttpStatusCode.Redirect, (await DevSignInAsync(http, null)).StatusCode);
        using var response = await http.GetAsync(route);
        Assert.True((int)response.StatusCode < 500, $"{route} answered {(int)response.StatusCode}");
        AssertSecurityHeaders(response, route);
    }

    [Fact]
    public async Task Signed_out_pages_refusals_and_unknown_paths_carry_the_headers_too()
    {
        using var http = Client();
        foreach (var path in new[] { "/signin", "/audit", "/no-such-page", "/signin?returnUrl=%0d%0a" })
        {
            using var response = await http.GetAsync(path);
            Assert.True((int)response.StatusCode < 500, $"{path} answered {(int)response.StatusCode}");
            AssertSecurityHeaders(response, path);
        }
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response, string path)
    {
        string Header(string name) => response.Headers.TryGetValues(name, out var v) ? string.Join(", ", v) : "";
        var csp = Header("Content-Security-Policy");
        Assert.True(csp.Contains("script-src 'self';") && csp.Contains("connect-src 'self'") && csp.Contains("frame-ancestors 'none'")
                    && csp.Contains("default-src 'self'") && csp.Contains("object-src 'none'") && !csp.Contains("'unsafe-eval'")
                    && !Regex.IsMatch(csp, "script-src[^;]*unsafe-inline"), $"{path}: CSP '{csp}'");
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("same-origin", Header("Referrer-Policy"));
        Assert.Contains("camera=()", Header("Permissions-Policy"));
    }

    [Fact]
    public async Task The_grpc_port_sends_none_of_the_page_headers()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{app.GrpcTarget}/etl.user.manager.V1.UserManager/GetUser")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        using var response = await http.SendAsync(request);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task The_grpc_port_serves_no_page_sign_in_or_dashboard_route()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var path in new[] { "/", "/signin", "/audit", "/jobs", "/auth/signed-out", "/_framework/blazor.web.js" })
        {
            using var page = await http.GetAsync($"http://{app.GrpcTarget}{path}");
            Assert.True(page.StatusCode == HttpStatusCode.NotFound, $"{path} on the gRPC port answered {(int)page.StatusCode}");
        }
        // A gRPC client that names a page route is told there is no such method; the route's handler never runs.
        using var raw = new Grpc.RawGrpcClient(app.GrpcTarget);
        var devToken = await raw.SendAsync("/auth/dev-token", [0, 0, 0, 0, 0]);
        Assert.Equal("12", devToken.GrpcStatus);
        // The web port still serves the same route.
        using var web = Client();
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/signin")).StatusCode);
    }

    [Fact]
    public async Task A_cross_site_sign_out_without_a_token_is_refused_and_the_session_stays()
    {
        var cookies = new CookieContainer();
        using var http = Client(cookies);
        await DevSignInAsync(http, "/audit");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/audit")).StatusCode);

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/auth/sign-out") { Content = new FormUrlEncodedContent(new Dictionary<string, string>()) };
        forged.Headers.Add("Origin", "https://evil.example");
        var refused = await http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/audit")).StatusCode);

        // A token the studio issued to this session (the layout's form renders in the circuit; the sign-in page's is the same kind) signs out.
        var token = await AntiforgeryTokenAsync(http);
        var signedOut = await http.PostAsync("/auth/sign-out", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal("/signin", signedOut.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/audit")).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/audit\r\nSet-Cookie: evil=1")]
    [InlineData("/audit\u0000")]
    [InlineData("/\u0007x")]
    public async Task A_hostile_return_url_lands_on_the_home_page(string returnUrl)
    {
        using var http = Client();
        var response = await DevSignInAsync(http, returnUrl);
        if (returnUrl.Contains('\0'))
        {
            // The framework's form reader refuses a NUL outright: a 400, nobody signed in, nowhere sent.
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(response.Headers.Location);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/", response.Headers.Location?.OriginalString);
        }
        // The sign-in page with the same value renders, without a 500.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/signin?returnUrl=" + Uri.EscapeDataString(returnUrl))).StatusCode);
    }

    [Fact]
    public async Task A_local_return_url_is_followed()
    {
        using var http = Client();
        Assert.Equal("/runs?state=Failed", (await DevSignInAsync(http, "/runs?state=Failed")).Headers.Location?.OriginalString);
    }
}
