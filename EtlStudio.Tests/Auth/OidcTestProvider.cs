using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Auth;

/// <summary>The npm <c>oidc-provider</c> running tests/node/oidc-server.mjs on a free port.</summary>
public sealed class OidcTestProvider : IAsyncDisposable
{
    private readonly Process _process;

    public int Port { get; }
    public string Issuer => $"http://127.0.0.1:{Port}";

    private OidcTestProvider(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The subject the provider issues for a login: the login itself (its development form makes it the account id).</summary>
    public static string SubjectOf(string login) => login;

    /// <param name="claimsInIdToken">Put profile and e-mail in the id_token too; by default, like most providers, only userinfo has them.</param>
    public static async Task<OidcTestProvider> StartAsync(string appBaseUrl, bool claimsInIdToken = false)
    {
        var port = FreePort.Next();
        var psi = new ProcessStartInfo("node", [Path.Combine(RepositoryPaths.Root, "tests", "node", "oidc-server.mjs"), port.ToString(), appBaseUrl])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (claimsInIdToken) psi.Environment["OIDC_CLAIMS_IN_ID_TOKEN"] = "1";
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) => { if (e.Data?.StartsWith("READY", StringComparison.Ordinal) == true) ready.TrySetResult(); };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The OpenID provider exited; run npm ci in tests/node."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new OidcTestProvider(process, port);
    }

    /// <summary>
    /// A client-credentials access token (an RS256 JWT signed with the provider's JWKS) from its token
    /// endpoint. Without <paramref name="resource"/> the provider's default resource applies and the
    /// token's audience is <c>etlstudio</c> (what the app's <c>Auth:Oidc:Audience</c> expects); any
    /// other resource gives a token whose audience is that resource. The subject is the client id.
    /// </summary>
    public async Task<string> ClientCredentialsTokenAsync(string clientId = "machine", string secret = "machine-test-secret", string? resource = null)
    {
        using var http = new HttpClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "api" };
        if (resource is not null) form["resource"] = resource;
        var response = await http.PostAsync($"{Issuer}/token", new FormUrlEncodedContent(form));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenResponse>())!.AccessToken;
    }

    private sealed record TokenResponse([property: JsonPropertyName("access_token")] string AccessToken);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
