using System.Text.Json;
using System.Text.RegularExpressions;

namespace EtlStudio.Core.Scripts;

/// <summary>
/// The formats of an extraction script's body. For a PostgreSQL source: a SQL query. For an HTTP JSON source,
/// either the short form <c>GET /customers?active=true</c> (or just <c>/customers</c>), or a JSON object
/// <c>{"method":"GET","path":"/customers","query":{…},"headers":{…},"body":{…},"records":"/data"}</c>.
/// Paths are relative to the connection's base URL; credentials live in the connection, never in a script.
/// </summary>
public static partial class ExtractorBody
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] CredentialHeaders = ["authorization", "cookie", "proxy-authorization", "x-api-key"];

    /// <summary>An HTTP request when the body starts with <c>{</c>, <c>/</c> or a word and a path (<c>GET /x</c>); SQL otherwise.</summary>
    public static ExtractorBodyForm Classify(string body)
    {
        var b = body.TrimStart();
        // Any "WORD /path" counts, so DELETE /x is refused as a request rather than run as SQL.
        return b.StartsWith('{') || b.StartsWith('/') || MethodAndPath().IsMatch(b) ? ExtractorBodyForm.Http : ExtractorBodyForm.Sql;
    }

    [GeneratedRegex(@"^[A-Za-z]+[ \t]+(/|[A-Za-z][A-Za-z0-9+.-]*://)")]
    private static partial Regex MethodAndPath();

    /// <summary>Reads an HTTP body in either form; <paramref name="error"/> says what is wrong when it cannot.</summary>
    public static bool TryParseHttp(string body, out HttpRequestDescription? request, out string? error)
    {
        request = null;
        error = null;
        var b = body.Trim();
        if (b.StartsWith('{'))
        {
            try { request = JsonSerializer.Deserialize<HttpRequestDescription>(b, Json); }
            catch (JsonException e) { error = $"The request description is not valid JSON ({e.Message.Split('.')[0]})."; return false; }
            if (request is null || string.IsNullOrWhiteSpace(request.Path)) { error = "The request description needs a path."; return false; }
            request = request with { Method = string.IsNullOrWhiteSpace(request.Method) ? "GET" : request.Method.Trim().ToUpperInvariant() };
        }
        else
        {
            var parts = b.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            request = parts.Length == 2 ? new HttpRequestDescription(parts[0].ToUpperInvariant(), parts[1]) : new HttpRequestDescription("GET", b);
        }
        if (request.Method is not ("GET" or "POST")) error = "Extraction requests use GET or POST.";
        else if (!IsRelativePath(request.Path)) error = $"'{request.Path}' must be a path relative to the connection's base URL (starting with /, no host, no ..).";
        else if (request.Headers?.Keys.FirstOrDefault(h => CredentialHeaders.Contains(h.ToLowerInvariant())) is { } h) error = $"The header '{h}' carries credentials; they belong to the connection, not to a script.";
        else if (request.Records is { Length: > 0 } r && !r.StartsWith('/')) error = "records is a JSON Pointer such as /data/items.";
        else if (request.Body is not null && request.Method == "GET") error = "A GET request has no body; use POST.";
        if (error is not null) request = null;
        return error is null;
    }

    /// <summary>A path under the base URL: starts with one /, has no scheme, host or parent segments.</summary>
    public static bool IsRelativePath(string? path) =>
        path is { Length: > 0 } p && p.StartsWith('/') && !p.StartsWith("//", StringComparison.Ordinal) && !p.Contains("://", StringComparison.Ordinal)
        && !p.Split('?')[0].Split('/').Contains("..") && !p.Any(char.IsWhiteSpace);
}
