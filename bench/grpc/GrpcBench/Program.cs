// Measures unary gRPC throughput and latency of EtlStudio methods against a minimal Grpc.AspNetCore server on the same
// protos with constant answers, in a process of its own like the app, with the same client, in the same run; and GetUser
// on a second minimal server that has nothing but ASP.NET Core's authorization in front of it. Each server's CPU time per
// call and the client's: on a machine whose cores the client shares, calls/s follow the sum of the two. And what each
// call cost each server's garbage collector (bytes allocated, collections, pause time): the app's /metrics, the minimal
// servers' /gc.
// usage: GrpcBench <grpc host:port> <bearer token> <seconds per level> <markdown out> [rounds] [levels, e.g. 1,16,64]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using EtlStudio.Protos.UserManager;

if (args is [var mode and ("--serve-minimal" or "--serve-minimal-authorized"), var userFile])
{
    // Child mode: a minimal server; prints its address, serves until stdin closes.
    var minimal = MinimalServer.Build(GetUserResponse.Parser.ParseFrom(await File.ReadAllBytesAsync(userFile)), mode == "--serve-minimal-authorized");
    await minimal.StartAsync();
    Console.WriteLine(new Uri(minimal.Urls.First()).Authority);
    await Console.In.ReadToEndAsync();
    await minimal.StopAsync();
    return;
}

var target = args[0];
var token = args[1];
var seconds = int.Parse(args[2]);
var markdown = args[3];
var rounds = args.Length > 4 ? int.Parse(args[4]) : 3;
var warmUp = int.Parse(Environment.GetEnvironmentVariable("BENCH_WARMUP") ?? "3");
var levels = args.Length > 5 ? args[5].Split(',').Select(int.Parse).ToArray() : [1, 16, 64];
const string getUser = "/etl.user.manager.V1.UserManager/GetUser";
const string health = "/grpc.health.v1.Health/Check";
byte[] request = [0, 0, 0, 0, 0]; // GetUserRequest{} (the caller) and HealthCheckRequest{} (the server) are both empty

using var client = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

async Task<(byte[] Body, bool Ok)> CallAsync(string host, string path, bool withToken = true)
{
    using var message = new HttpRequestMessage(HttpMethod.Post, $"http://{host}{path}")
    {
        Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent(request),
    };
    message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
    message.Headers.TryAddWithoutValidation("te", "trailers");
    if (path == getUser && withToken) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await client.SendAsync(message);
    var body = await response.Content.ReadAsByteArrayAsync();
    var ok = response.TrailingHeaders.TryGetValues("grpc-status", out var s) && s.First() == "0";
    return (body, ok);
}

// The minimal server answers GetUser with the very user the app returned.
foreach (var path in new[] { getUser, health })
    if (!(await CallAsync(target, path)).Ok) throw new InvalidOperationException($"{path} did not answer OK; is the token valid?");
var (userFrame, _) = await CallAsync(target, getUser);
var userPath = Path.GetTempFileName();
await File.WriteAllBytesAsync(userPath, userFrame[5..]);
async Task<(Process Process, string Host)> StartMinimalAsync(string mode)
{
    var process = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [typeof(MinimalServer).Assembly.Location, mode, userPath])
    {
        RedirectStandardInput = true, RedirectStandardOutput = true,
    })!;
    return (process, await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException($"The minimal server ({mode}) did not start."));
}
var (minimalProcess, minimalHost) = await StartMinimalAsync("--serve-minimal");
var (authorizedProcess, authorizedHost) = await StartMinimalAsync("--serve-minimal-authorized");
if ((await CallAsync(authorizedHost, getUser, withToken: false)).Ok) throw new InvalidOperationException("The authorized minimal server answered GetUser without a token.");

// The server's own CPU time per call, read from /proc: unlike calls/s it hardly moves with what else the machine runs.
var appPid = int.TryParse(Environment.GetEnvironmentVariable("BENCH_APP_PID"), out var p) ? p : 0;
var pids = new Dictionary<string, int> { [target] = appPid, [minimalHost] = minimalProcess.Id, [authorizedHost] = authorizedProcess.Id };
var appMetrics = Environment.GetEnvironmentVariable("BENCH_APP_METRICS");

// A server's garbage collector so far (bytes allocated, gen0 collections, seconds paused): the app's from its /metrics,
// a minimal server's from its /gc.
async Task<(double Allocated, double Gen0, double Paused)?> CollectorAsync(string host)
{
    if (host == target)
    {
        if (string.IsNullOrEmpty(appMetrics)) return null;
        var text = await client.GetStringAsync(appMetrics);
        double Read(string series) => double.Parse(text.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal)).Split(' ')[^1], CultureInfo.InvariantCulture);
        return (Read("dotnet_gc_allocated_bytes_total"), Read("dotnet_gc_collections_total{generation=\"gen0\"}"), Read("dotnet_gc_pause_time_seconds_total"));
    }
    using var message = new HttpRequestMessage(HttpMethod.Get, $"http://{host}/gc") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
    using var response = await client.SendAsync(message);
    var figures = (await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).Split(' ').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
    return (figures[0], figures[1], figures[2]);
}

async Task<Sample> RunAsync(string host, string path, int concurrency, int runSeconds)
{
    var collectorBefore = await CollectorAsync(host);
    var cpuBefore = CpuSeconds(pids[host]);
    var clientBefore = CpuSeconds(Environment.ProcessId);
    var latencies = new List<double>[concurrency];
    long errors = 0;
    var stop = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(runSeconds);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
    {
        var mine = latencies[w] = new List<double>(100_000);
        while (stop.Elapsed < until)
        {
            var t = Stopwatch.GetTimestamp();
            var (_, ok) = await CallAsync(host, path);
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (!ok) Interlocked.Increment(ref errors);
        }
    }));
    var (cpu, clientCpu) = (CpuSeconds(pids[host]) - cpuBefore, CpuSeconds(Environment.ProcessId) - clientBefore);
    var collector = await CollectorAsync(host) is { } after && collectorBefore is { } before
        ? (after.Allocated - before.Allocated, after.Gen0 - before.Gen0, after.Paused - before.Paused) : ((double, double, double)?)null;
    return new Sample(latencies.SelectMany(l => l).ToList(), stop.Elapsed, errors, cpu, clientCpu, collector);
}

// The machine is shared and its load changes by the second: each level runs the targets in
// alternating rounds, so all of them see the same background, and sums the rounds.
var targets = new (string Name, string Host, string Path)[]
{
    ("GetUser", target, getUser), ("minimal GetUser", minimalHost, getUser), ("authorized GetUser", authorizedHost, getUser),
    ("Health", target, health), ("minimal Health", minimalHost, health),
};
var perRound = Math.Max(1, seconds / rounds);
var collectorLines = new List<string>
{
    "",
    "Each server's garbage collector in the same runs (before and after each round: the app's /metrics, the minimal servers' /gc; the pause is wall time, during which the collector's threads hold the cores):",
    "",
    "| concurrency | method, server | allocated bytes/call | gen0 collections/s | GC pause µs/call |",
    "|---:|---|---:|---:|---:|",
};
var lines = new List<string>
{
    $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores (shared with other work; load average {LoadAverage()}), {warmUp} s warm-up then {rounds} alternating rounds of {perRound} s per target and level, loopback, client and servers on the same machine.",
    "",
    "| concurrency | method, server | calls/s | p50 ms | p99 ms | server CPU µs/call | client CPU µs/call | minimal Grpc.AspNetCore (calls/s) | p50 ms | p99 ms | server CPU µs/call | client CPU µs/call | ratio |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
};
foreach (var c in levels)
{
    // Warm-up: connections, caches, and tiered JIT, which on a busy machine takes seconds to reach optimized code.
    foreach (var t in targets) await RunAsync(t.Host, t.Path, c, warmUp);
    var results = targets.ToDictionary(t => t.Name, _ => new List<Sample>());
    for (var r = 0; r < rounds; r++)
        foreach (var t in targets) results[t.Name].Add(await RunAsync(t.Host, t.Path, c, perRound));
    foreach (var (name, baselineName, label) in new[]
    {
        ("GetUser", "minimal GetUser", "GetUser on EtlStudio (authenticated, user view)"),
        ("authorized GetUser", "minimal GetUser", "GetUser on the minimal server behind ASP.NET Core's authorization alone (a policy naming a scheme that answers one constant caller)"),
        ("Health", "minimal Health", "Health/Check on EtlStudio (anonymous, readiness)"),
    })
    {
        var real = Figures.Of(results[name]);
        var baseline = Figures.Of(results[baselineName]);
        var line = $"| {c} | {label} | {real.Rps:F0} | {real.P50:F2} | {real.P99:F2} | {real.CpuPerCall} | {real.ClientCpuPerCall} | {baseline.Rps:F0} | {baseline.P50:F2} | {baseline.P99:F2} | {baseline.CpuPerCall} | {baseline.ClientCpuPerCall} | {real.Rps / baseline.Rps:P0} |";
        if (real.Errors + baseline.Errors > 0) line += $" errors: {real.Errors}/{baseline.Errors}";
        Console.WriteLine(line);
        lines.Add(line);
    }
    foreach (var name in targets.Select(t => t.Name))
    {
        var samples = results[name];
        if (samples.Any(r => r.Collector is null)) continue;
        var calls = samples.Sum(r => r.Latencies.Count);
        var line = $"| {c} | {(name.Contains(' ') ? name : name + " on EtlStudio")} | {samples.Sum(r => r.Collector!.Value.Allocated) / calls:F0} | {samples.Sum(r => r.Collector!.Value.Gen0) / samples.Sum(r => r.Elapsed.TotalSeconds):F0} | {samples.Sum(r => r.Collector!.Value.Paused) * 1e6 / calls:F1} |";
        Console.WriteLine(line);
        collectorLines.Add(line);
    }
}
if (collectorLines.Count > 5) lines.AddRange(collectorLines);
lines.Add("");
lines.Add($"Load average at the end: {LoadAverage()}.");
foreach (var process in new[] { minimalProcess, authorizedProcess })
{
    process.StandardInput.Close();
    await process.WaitForExitAsync();
    process.Dispose();
}
File.Delete(userPath);
await File.WriteAllLinesAsync(markdown, lines);

// utime + stime (fields 14 and 15 after the command name) in clock ticks of 1/100 s; 0 when the process is unknown.
static double CpuSeconds(int pid)
{
    if (pid == 0 || !File.Exists($"/proc/{pid}/stat")) return 0;
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

internal sealed record Sample(List<double> Latencies, TimeSpan Elapsed, long Errors, double CpuSeconds, double ClientCpuSeconds,
    (double Allocated, double Gen0, double Paused)? Collector);

internal sealed record Figures(double Rps, double P50, double P99, long Errors, string CpuPerCall, string ClientCpuPerCall)
{
    public static Figures Of(List<Sample> rounds)
    {
        var all = rounds.SelectMany(r => r.Latencies).Order().ToArray();
        var elapsed = rounds.Sum(r => r.Elapsed.TotalSeconds);
        return new Figures(all.Length / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)], rounds.Sum(r => r.Errors),
            PerCall(rounds.Sum(r => r.CpuSeconds), all.Length), PerCall(rounds.Sum(r => r.ClientCpuSeconds), all.Length));
    }

    private static string PerCall(double cpuSeconds, int calls) => cpuSeconds > 0 ? (cpuSeconds * 1e6 / calls).ToString("F0") : "?";
}
