using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlStudio.Tests.Uploads;

/// <summary>
/// A real HTTP JSON data module on loopback (Kestrel in the test process). It applies each Idempotency-Key once, as a
/// well-behaved receiver does, and records every request, so tests can see retries. <see cref="Fault"/> decides per
/// request (numbered from 1) whether to answer 500 without applying, or apply and then drop the connection unanswered.
/// </summary>
public sealed class LoopbackHttpDestination : IAsyncDisposable
{
    public enum Failure { None, ServerError, DropAfterApplying }

    private readonly WebApplication _app;
    private int _requests;

    public Func<int, string, Failure> Fault { get; set; } = (_, _) => Failure.None;

    /// <summary>Every request in arrival order: its key and body.</summary>
    public ConcurrentQueue<(string Key, string Path, string Body)> Requests { get; } = new();

    /// <summary>Batches applied, by key: the records as the receiver stored them, once per key.</summary>
    public ConcurrentDictionary<string, JsonElement[]> Applied { get; } = new();

    public Uri BaseUrl { get; private set; } = null!;

    private LoopbackHttpDestination()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/api/{table}", HandleAsync);
    }

    public static async Task<LoopbackHttpDestination> StartAsync()
    {
        var d = new LoopbackHttpDestination();
        await d._app.StartAsync();
        d.BaseUrl = new Uri(d._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/api");
        return d;
    }

    private async Task HandleAsync(HttpContext context, string table)
    {
        var number = Interlocked.Increment(ref _requests);
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        Requests.Enqueue((key, context.Request.Path, body));
        var failure = Fault(number, key);
        if (failure == Failure.ServerError) { context.Response.StatusCode = 500; return; }
        Applied.TryAdd(key, JsonSerializer.Deserialize<JsonElement[]>(body)!);
        if (failure == Failure.DropAfterApplying) { context.Abort(); return; }
        context.Response.StatusCode = 201;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
