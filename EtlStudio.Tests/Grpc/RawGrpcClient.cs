using System.Net;
using System.Net.Http.Headers;

namespace EtlStudio.Tests.Grpc;

/// <summary>Plain HTTP/2 (h2c, prior knowledge) for sending hand-made gRPC requests, bad ones included.</summary>
public sealed class RawGrpcClient(string target) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public sealed record Reply(HttpStatusCode HttpStatus, string? GrpcStatus, string? GrpcMessage, byte[] Body);

    public async Task<Reply> SendAsync(string path, byte[] body, string contentType = "application/grpc", IDictionary<string, string>? headers = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{target}{path}") 
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(k, v);
        using var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // Trailers-only responses carry the status in the headers; normal ones in the trailers.
        string? Find(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
            : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
        return new Reply(response.StatusCode, Find("grpc-status"), Find("grpc-message"), bytes);
    }

    public void Dispose() => _http.Dispose();
}
