// S3 upload benchmark: a 1,000,000-row outbox (integers, text, double, boolean, date, timestamp) uploaded to an S3 API
// server by the product's S3Uploader (Parquet parts, Croissant metadata, pointer) once to warm up, then timed twice —
// each step after the other, then overlapped (the default) — with where the time went (reading the outbox,
// encoding Parquet, storing parts), beside a plain PUT of the very same finished Parquet files in the same run, and the
// process's peak resident memory after the uploads. The two uploads must store the same parts (same sha256).
// The CPU time each process spent on the overlapped upload (this one, PostgreSQL's, the S3 server's: BENCH_S3_PID) tells
// the least wall time the upload could take on this machine's cores, however its steps were arranged.
// Usage: S3Bench <connection string> <rows> <s3 endpoint> <output.md>; Upload__S3RowsPerPart and Upload__S3RowsPerRowGroup
// in the environment override the product's defaults.
using System.Diagnostics;
using System.Text.Json;
using Amazon.S3.Model;
using EtlStudio.Core;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Upload;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using System.Text.Json.Nodes;
using S3Location = EtlStudio.Core.Connections.S3Location;

var (connectionString, rows, endpoint, output) = (args[0], int.Parse(args[1]), args[2], args[3]);
var settings = new Dictionary<string, string?>
{
    ["ConnectionStrings:Default"] = connectionString,
    // A scratch database: keys of its own for this run (the Core refuses to work without them).
    ["Audit:ChainKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    ["DataProtection:ProtectionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
};
foreach (var key in new[] { "S3RowsPerPart", "S3RowsPerRowGroup" })
    if (Environment.GetEnvironmentVariable("Upload__" + key) is { Length: > 0 } value) settings["Upload:" + key] = value;
var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning)).AddSingleton<IConfiguration>(configuration);
services.AddEtlStudioCore(configuration);
await using var provider = services.BuildServiceProvider();
await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync();

var at = new S3Location(endpoint, "us-east-1", "bench-" + Guid.NewGuid().ToString("N")[..8], "modules/bench", true, "S3RVER", "S3RVER");
using var s3 = at.CreateClient();
await s3.PutBucketAsync(new PutBucketRequest { BucketName = at.Bucket });
var (actor, runId, schema) = await StageAsync(provider, connectionString, rows);
var connection = await provider.GetRequiredService<ConnectionService>().CreateAsync(actor, new ConnectionInput("bench-s3-" + runId.ToString("N")[..6], ConnectionKind.S3, "", "{}", at.Format(), null));
IReadOnlyList<OutboxTable> tables;
await using (var conn = new NpgsqlConnection(connectionString))
{
    await conn.OpenAsync();
    tables = await EtlStudio.Core.Outbox.OutboxCatalog.ReadAsync(conn, null, schema, CancellationToken.None);
}

var defaults = provider.GetRequiredService<IOptions<UploadOptions>>().Value;
var secret = await provider.GetRequiredService<ConnectionService>().GetSecretAsync(connection);

// One upload of the whole outbox with parts overlapped or not; the ledger of the run is forgotten before each, so both write every part.
async Task<(double Ms, S3UploadTimings Timings, List<string> Parts, Cpu Cpu)> UploadAsync(bool overlap)
{
    await using (var conn = new NpgsqlConnection(connectionString))
    {
        await conn.OpenAsync();
        await using var forget = new NpgsqlCommand(
            "DELETE FROM app.s3_upload_parts WHERE run_id = @r; DELETE FROM app.s3_upload_claims WHERE run_id = @r; DELETE FROM app.upload_batches WHERE run_id = @r", conn);
        forget.Parameters.AddWithValue("r", runId);
        await forget.ExecuteNonQueryAsync();
    }
    var options = Options.Create(new UploadOptions { S3RowsPerPart = defaults.S3RowsPerPart, S3RowsPerRowGroup = defaults.S3RowsPerRowGroup, S3Overlap = overlap });
    var uploader = new S3Uploader(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<S3UploadLedger>(), options, [], provider.GetRequiredService<ILogger<S3Uploader>>());
    var timings = new S3UploadTimings();
    GC.Collect();
    var cpuBefore = Cpu.Now();
    var watch = Stopwatch.StartNew();
    var published = await uploader.UploadAsync(runId, connection, schema, tables, secret, 0,
        (_, _, _) => Task.FromResult("""{"@context": {}, "recordSet": []}"""), CancellationToken.None, timings);
    var ms = watch.Elapsed.TotalMilliseconds;
    var cpu = Cpu.Now() - cpuBefore;
    if (published.Tables.Sum(t => t.Rows) != rows) throw new InvalidOperationException($"Published {published.Tables.Sum(t => t.Rows)} rows of {rows}.");
    var parts = JsonNode.Parse(published.MetadataJson!)!["distribution"]!.AsArray().OfType<JsonObject>()
        .Where(d => (string?)d["@type"] == "cr:FileObject").Select(d => $"{d["name"]} {d["sha256"]}").ToList();
    return (ms, timings, parts, cpu);
}

GC.Collect();
var baseline = PeakResidentBytes();
// A worker has run its code before: one untimed upload first, so neither timed one pays for the JIT's first, slower tier.
await UploadAsync(overlap: true);
var sequential = await UploadAsync(overlap: false);
var overlapped = await UploadAsync(overlap: true);
var peak = PeakResidentBytes();
if (!sequential.Parts.SequenceEqual(overlapped.Parts)) throw new InvalidOperationException("The two uploads stored different parts.");
var uploadMs = overlapped.Ms;

// The same finished files (the last upload's version), fetched to disk first (not timed), then PUT one after the other: the transfer alone.
var keys = new List<(string Key, long Bytes)>();
var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = at.Bucket, Prefix = at.Key("v3/") });
keys.AddRange(listed.S3Objects.Where(o => o.Key.EndsWith(".parquet", StringComparison.Ordinal)).Select(o => (o.Key, o.Size ?? 0)));
var files = new List<string>();
foreach (var (key, _) in keys)
{
    var path = Path.GetTempFileName();
    using (var response = await s3.GetObjectAsync(at.Bucket, key))
    await using (var file = File.Create(path)) await response.ResponseStream.CopyToAsync(file);
    files.Add(path);
}
var plainCpuBefore = Cpu.Now();
var sw = Stopwatch.StartNew();
for (var i = 0; i < files.Count; i++)
    await s3.PutObjectAsync(new PutObjectRequest { BucketName = at.Bucket, Key = "plain/" + i + ".parquet", FilePath = files[i], UseChunkEncoding = false });
var plainMs = sw.Elapsed.TotalMilliseconds;
var plainCpu = Cpu.Now() - plainCpuBefore;
files.ForEach(File.Delete);

var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
var ratio = uploadMs / plainMs;
static string Split(S3UploadTimings t) =>
    $"read {t.Read.TotalSeconds:F2} s · encode {t.Encode.TotalSeconds:F2} s · store {t.Store.TotalSeconds:F2} s";
var lines = new List<string>
{
    $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores (load average {string.Join(" ", load)} at the end), {rows:N0} rows in 6 typed columns, s3rver on loopback, parts of {defaults.S3RowsPerPart:N0} rows in row groups of {defaults.S3RowsPerRowGroup:N0}.",
    "",
    "| measure | value | target |",
    "|---|---:|:---:|",
    $"| S3 upload, each step after the other (read outbox, write Parquet, sha256, PUT parts, metadata, pointer) | {sequential.Ms / 1000:F2} s | |",
    $"| — where its time went | {Split(sequential.Timings)} | |",
    $"| S3 upload, overlapped: next row group read while one is encoded, part n stored while n+1 is written (the default) | {uploadMs / 1000:F2} s | |",
    $"| — where its time went (summed: the steps run side by side) | {Split(overlapped.Timings)} | |",
    $"| both uploads stored the same parts (names and sha256) | {overlapped.Parts.Count} part(s), equal | |",
    $"| plain PUT of the same finished files ({keys.Count} file(s), {keys.Sum(k => k.Bytes) / 1048576.0:F1} MiB) | {plainMs / 1000:F2} s | |",
    $"| upload (overlapped) ÷ plain PUT | {ratio:F2}× | {(ratio <= 2 ? "yes" : "**no**")} (≤ 2×) |",
    $"| CPU time of the overlapped upload: {overlapped.Cpu} | {overlapped.Cpu.Total:F2} s | |",
    $"| — the least wall time that CPU time takes on {Environment.ProcessorCount} cores, however the steps are arranged | {overlapped.Cpu.Total / Environment.ProcessorCount:F2} s = {overlapped.Cpu.Total / Environment.ProcessorCount / (plainMs / 1000):F2}× the plain PUT | |",
    $"| CPU time of the plain PUT: {plainCpu} | {plainCpu.Total:F2} s | |",
    $"| peak resident memory of the process after the three uploads (before them: {baseline / 1048576.0:F0} MiB) | {peak / 1048576.0:F0} MiB | {(peak < 400L * 1048576 ? "yes" : "**no**")} (< 400 MB) |",
    $"| rows published per upload | {rows:N0} | |",
};
lines.ForEach(Console.WriteLine);
await File.WriteAllLinesAsync(output, lines);

static long PeakResidentBytes() =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

// A user who may create connections, a released task, a run and its staging schema with one generated outbox table.
static async Task<(Actor, Guid, string)> StageAsync(IServiceProvider sp, string cs, int rows)
{
    var now = DateTimeOffset.UtcNow;
    var userId = Guid.NewGuid();
    var taskId = Guid.NewGuid();
    var runId = Guid.NewGuid();
    var schema = StagingLayout.SchemaFor(runId);
    await using (var db = await sp.GetRequiredService<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
    {
        db.Users.Add(new User { Id = userId, Login = "bench-" + userId.ToString("N")[..6], DisplayName = "bench", CreatedAt = now });
        db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = userId, Role = UserRole.CreateExtDatamodule, AssignedAt = now });
        await db.SaveChangesAsync();
        db.Tasks.Add(new EtlTask { Id = taskId, Name = "bench " + taskId.ToString("N")[..6], Status = EtlTaskStatus.Released, CreatedBy = userId, CreatedAt = now, UpdatedAt = now, ReleasedAt = now });
        await db.SaveChangesAsync();
        var run = new PipelineRun { Id = runId, TaskId = taskId, Number = 1, SchemaName = schema, RequestedBy = userId, CreatedAt = now };
        // Uploading the way the product gets it there: taken, every step finished, an upload asked for.
        foreach (var t in new[] { RunTransition.Begin, RunTransition.Complete, RunTransition.RequestUpload }) run.Move(t, now);
        db.Runs.Add(run);
        await db.SaveChangesAsync();
    }
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    var columns = new[] { ("id", "Integer"), ("name", "String"), ("score", "Double"), ("active", "Boolean"), ("born", "Date"), ("seen", "DateTime") };
    var sql = $"""
        {StagingLayout.CreateSql(schema)}
        CREATE TABLE {Sql.Table(schema, "people")} (_row bigint PRIMARY KEY, id bigint, name text, score double precision, active boolean, born date, seen timestamptz);
        INSERT INTO {Sql.Table(schema, "people")}
        SELECT g, g, 'person ' || g, (g::bigint * 7919 % 100003) / 1000.0, g % 2 = 0, date '1950-01-01' + (g % 20000),
               timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
        FROM generate_series(1, {rows}) g;
        INSERT INTO {Sql.Table(schema, StagingLayout.Catalog)} (table_name, ordinal, columns, primary_key, source_table)
        VALUES ('people', 1, '{JsonSerializer.Serialize(columns.Select(c => new { name = c.Item1, type = c.Item2 }))}'::jsonb, 'id', 'people');
        """;
    await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 900 };
    await cmd.ExecuteNonQueryAsync();
    // The first scan after a bulk insert also writes every page (hint bits): done here, so the two uploads read alike.
    await using var vacuum = new NpgsqlCommand($"VACUUM (ANALYZE) {Sql.Table(schema, "people")}", conn) { CommandTimeout = 900 };
    await vacuum.ExecuteNonQueryAsync();
    return (new Actor(userId, "bench", ActorSource.Ui), runId, schema);
}

/// <summary>CPU seconds (user + system) of this process, of every PostgreSQL process and of the S3 server (BENCH_S3_PID).</summary>
internal sealed record Cpu(double Self, double Postgres, double S3)
{
    public double Total => Self + Postgres + S3;

    public static Cpu Now()
    {
        var postgres = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Comm(pid) == "postgres") postgres += Seconds(pid);
        var s3 = int.TryParse(Environment.GetEnvironmentVariable("BENCH_S3_PID"), out var s3Pid) ? Seconds(s3Pid) : 0;
        return new Cpu(Seconds(Environment.ProcessId), postgres, s3);
    }

    public static Cpu operator -(Cpu a, Cpu b) => new(a.Self - b.Self, a.Postgres - b.Postgres, a.S3 - b.S3);

    public override string ToString() => $"uploader {Self:F2} s · PostgreSQL {Postgres:F2} s · s3rver {S3:F2} s";

    private static string? Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return null; }
    }

    // utime + stime (fields 14 and 15, counted after the command name) in clock ticks of 1/100 s; 0 for a process gone meanwhile.
    private static double Seconds(int pid)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
        }
        catch (IOException) { return 0; }
    }
}
