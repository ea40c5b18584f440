using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EtlStudio.Tests.Pipeline;

/// <summary>A real HTTP JSON API on a loopback port, answering the way good and broken sources do.</summary>
public sealed class LoopbackHttpSource : IAsyncDisposable
{
    private readonly WebApplication _app;

    public int Port { get; } = Infrastructure.FreePort.Next();
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public LoopbackHttpSource()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(BaseUrl);
        _app = builder.Build();
        _app.MapGet("/people", () => Results.Text("""[{"id": 1, "name": "Ann", "age": 34}, {"id": "2", "name": "Bob", "age": "41", "extra": true}, {"id": 3, "name": null}]""", "application/json"));
        _app.MapGet("/wrapped", () => Results.Text("""{"data": {"items": [{"id": 7, "name": "Gus", "age": 50}]}}""", "application/json"));
        _app.MapGet("/html", () => Results.Text("<html><body>Login</body></html>", "text/html"));
        _app.MapGet("/object", () => Results.Text("""{"id": 1}""", "application/json"));
        _app.MapGet("/scalars", () => Results.Text("""[{"id": 1}, 42]""", "application/json"));
        _app.MapGet("/broken", () => Results.Text("""[{"id": 1}, {"id": """, "application/json"));
        _app.MapGet("/down", () => Results.StatusCode(503));
        _app.MapPost("/search", async (HttpRequest r) =>
        {
            using var reader = new StreamReader(r.Body);
            var body = await reader.ReadToEndAsync();
            var key = r.Headers["X-Source-Key"].ToString();
            return Results.Text($$"""[{"id": 9, "name": "{{(body.Replace(" ", "").Contains("\"active\":true") ? "active" : "other")}}-{{key}}"}]""", "application/json");
        });
    }

    public Task StartAsync() => _app.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
