// Measures unary gRPC throughput and latency of one EtlStudio method against a bare Kestrel
// HTTP/2 handler that returns the same response bytes, with the same client, in the same run.
// usage: GrpcBench <grpc host:port> <bearer token> <seconds per level> <markdown out>
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var target = args[0];
var token = args[1];
var seconds = int.Parse(args[2]);
var markdown = args[3];
const string path = "/etl.user.manager.V1.UserManager/GetUser";
byte[] request = [0, 0, 0, 0, 0]; // GetUserRequest{} (the caller)

using var client = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

async Task<(byte[] Body, bool Ok)> CallAsync(string host)
{
    using var message = new HttpRequestMessage(HttpMethod.Post, $"http://{host}{path}")
    {
        Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent(request),
    };
    message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
    message.Headers.TryAddWithoutValidation("te", "trailers");
    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await client.SendAsync(message);
    var body = await response.Content.ReadAsByteArrayAsync();
    var ok = response.TrailingHeaders.TryGetValues("grpc-status", out var s) && s.First() == "0";
    return (body, ok);
}

// The bare handler answers with exactly the bytes the real method returned.
var (sample, sampleOk) = await CallAsync(target);
if (!sampleOk) throw new InvalidOperationException("The gRPC method did not answer OK; is the token valid?");
var bare = WebApplication.CreateSlimBuilder();
bare.Logging.ClearProviders();
bare.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
var bareApp = bare.Build();
bareApp.MapPost(path, async (HttpContext http) =>
{
    await http.Request.Body.CopyToAsync(Stream.Null);
    http.Response.ContentType = "application/grpc";
    await http.Response.Body.WriteAsync(sample);
    http.Response.AppendTrailer("grpc-status", "0");
});
await bareApp.StartAsync();
var bareHost = new Uri(bareApp.Urls.First()).Authority;

async Task<(double Rps, double P50, double P99, long Errors)> RunAsync(string host, int concurrency)
{
    var latencies = new List<double>[concurrency];
    long errors = 0;
    var stop = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
    {
        var mine = latencies[w] = new List<double>(100_000);
        while (stop.Elapsed < until)
        {
            var t = Stopwatch.GetTimestamp();
            var (_, ok) = await CallAsync(host);
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (!ok) Interlocked.Increment(ref errors);
        }
    }));
    var all = latencies.SelectMany(l => l).Order().ToArray();
    return (all.Length / stop.Elapsed.TotalSeconds, all[all.Length / 2], all[(int)(all.Length * 0.99)], errors);
}

var lines = new List<string>
{
    $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {seconds} s per level, loopback, client and servers on the same machine.",
    "",
    "| concurrency | EtlStudio GetUser (calls/s) | p50 ms | p99 ms | bare Kestrel HTTP/2 (calls/s) | p50 ms | p99 ms | ratio |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
};
foreach (var c in new[] { 1, 16, 64 })
{
    await RunAsync(target, c); // warm-up at this level is part of the first second; results below are a fresh run
    var real = await RunAsync(target, c);
    var baseline = await RunAsync(bareHost, c);
    var line = $"| {c} | {real.Rps:F0} | {real.P50:F2} | {real.P99:F2} | {baseline.Rps:F0} | {baseline.P50:F2} | {baseline.P99:F2} | {real.Rps / baseline.Rps:P0} |";
    if (real.Errors + baseline.Errors > 0) line += $" errors: {real.Errors}/{baseline.Errors}";
    Console.WriteLine(line);
    lines.Add(line);
}
await bareApp.StopAsync();
await File.WriteAllLinesAsync(markdown, lines);
