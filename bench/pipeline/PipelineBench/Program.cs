// Pipeline benchmark: a generated workload end to end through the engine, beside a PostgreSQL COPY of the same rows
// in and out, measured in the same process and run. Prints one markdown table row and the per-step times.
// usage: PipelineBench <server connection string> <total source rows> <results file>
using System.Diagnostics;
using EtlStudio.Core;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

var server = args[0];
var total = long.Parse(args[1]);
var resultsFile = args[2];
var tag = $"etlbench_{total / 1000}k";
string Db(string suffix) => new NpgsqlConnectionStringBuilder(server) { Database = $"{tag}_{suffix}", Pooling = true }.ConnectionString;

async Task ExecAsync(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
    await cmd.ExecuteNonQueryAsync();
}

foreach (var d in new[] { "app", "a", "b" })
{
    // An autovacuum worker of the previous run may still be in it, and only a superuser may end that: wait for it.
    for (var attempt = 1; ; attempt++)
    {
        try { await ExecAsync(server, $"DROP DATABASE IF EXISTS {tag}_{d} WITH (FORCE)"); break; }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 60) { await Task.Delay(1000); }
    }
    await ExecAsync(server, $"CREATE DATABASE {tag}_{d}");
}
// Customers: 40% of the rows in source A, 20% in B (half of B's keys also in A, with other values); orders: 40%, 2% orphans.
long a = total * 4 / 10, b = total * 2 / 10, orders = total - a - b;
Console.WriteLine($"generating {a:N0} + {b:N0} customers and {orders:N0} orders");
var customers = """
    SELECT g AS id, 'Name ' || g AS name, CASE WHEN g % 50 = 0 THEN '' ELSE 'c' || g || '@example.org' END AS email,
           CASE WHEN g % 97 = 0 THEN 150 ELSE 18 + (g * 7919) % 70 END AS age,
           CASE WHEN g % 41 = 0 THEN NULL ELSE 15000 + (g * 104729) % 120000 END AS income,
           (ARRAY['Berlin','Prague','Vienna','Lisbon','Warsaw','Madrid'])[(1 + g % 6)::int] AS city,
           lpad(((g * 31) % 100000)::text, 5, '0') AS zip, date '1950-01-01' + ((g * 13) % 20000)::int AS birth_date,
           (g * 17) % 1000 AS score, (ARRAY['flu','asthma','diabetes','none','migraine'])[(1 + (g * 3) % 5)::int] AS diagnosis
    """;
await ExecAsync(Db("a"), $"CREATE TABLE customers AS {customers} FROM generate_series(1::bigint, {a}) g");
await ExecAsync(Db("b"), $"CREATE TABLE customers AS {customers.Replace("'Name '", "'Other '")} FROM generate_series({a - b / 2 + 1}::bigint, {a + b / 2}) g");
await ExecAsync(Db("b"), $"""
    CREATE TABLE orders AS SELECT g AS order_id, CASE WHEN g % 50 = 0 THEN {a + b} + g ELSE 1 + (g * 7) % {a + b / 2} END AS customer_id,
           CASE WHEN g % 101 = 0 THEN -5 ELSE (g * 37) % 1000 + 0.5 END AS amount, timestamptz '2024-01-01' + (g % 600)::int * interval '1 day' AS ordered_at
    FROM generate_series(1::bigint, {orders}) g
    """);

// The sources as a loaded database keeps them: vacuumed and frozen (hint bits set, visibility map made), so that neither
// the first baseline nor the first engine run pays for that, nor for an autovacuum worker that wakes up inside it
// (the first 5 M run after the 1 M process was the slowest of its three: 4.85-5.45× against 3.8-4.5×).
foreach (var (d, t) in new[] { ("a", "customers"), ("b", "customers"), ("b", "orders") }) await ExecAsync(Db(d), $"VACUUM (FREEZE, ANALYZE) {t}");

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    // A scratch database: keys of its own for this run (the Core refuses to work without them).
    ["Audit:ChainKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    ["DataProtection:ProtectionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    ["ConnectionStrings:Default"] = Db("app"), ["Pipeline:TransformTimeout"] = "00:30:00",
}).Build();
var services = new ServiceCollection().AddLogging(l => l.AddConsole().SetMinimumLevel(LogLevel.Warning)).AddSingleton<IConfiguration>(configuration);
services.AddEtlStudioCore(configuration);
services.RemoveAll<IRunQueue>();
services.AddSingleton<IRunQueue, NoQueue>();
await using var provider = services.BuildServiceProvider();
await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
var actor = new Actor(Guid.NewGuid(), "bench", ActorSource.Job);
await using (var db = await provider.GetRequiredService<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
{
    db.Users.Add(new User { Id = actor.UserId, Login = "bench", DisplayName = "bench", CreatedAt = DateTimeOffset.UtcNow });
    foreach (var role in Enum.GetValues<UserRole>())
        db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = actor.UserId, Role = role, AssignedAt = DateTimeOffset.UtcNow });
    await db.SaveChangesAsync();
}
var connections = provider.GetRequiredService<ConnectionService>();
var srcA = await connections.CreateAsync(actor, new ConnectionInput("A", ConnectionKind.PostgreSql, "", "{}", Db("a"), null));
var srcB = await connections.CreateAsync(actor, new ConnectionInput("B", ConnectionKind.PostgreSql, "", "{}", Db("b"), null));
var dest = await connections.CreateAsync(actor, new ConnectionInput("D", ConnectionKind.PostgreSql, "", "{}", Db("app"), null));
var scripts = provider.GetRequiredService<ScriptService>();
async Task<Guid> Released(ScriptInput s) { var id = await scripts.CreateAsync(actor, s); await scripts.ReleaseAsync(actor, id); return id; }
Task<Guid> Rule(FieldType t, FieldRuleType r, string? fill = null, string? min = null, string? max = null) =>
    Released(new ScriptInput($"rule {Guid.NewGuid():N}", ScriptKind.FieldRule, null, "", new FieldRuleSettings(t, r, fill, min, max)));
Task<Guid> Anon(AnonymizationMethod m, params (string, string)[] p) =>
    Released(new ScriptInput($"anon {Guid.NewGuid():N}", ScriptKind.AnonymizationRule, null, "", Anonymization: new(m, p.ToDictionary(x => x.Item1, x => x.Item2))));
var select = "SELECT id, name, email, age, income, city, zip, birth_date, score, diagnosis FROM customers";
var tasks = provider.GetRequiredService<TaskService>();
var task = await tasks.CreateAsync(actor, "bench", "");
await tasks.UpdateTablesAsync(actor, task,
[
    new TableConfig("customers",
        [new("id", FieldType.Integer, []), new("name", FieldType.String, []), new("email", FieldType.String, []), new("age", FieldType.Integer, []),
         new("income", FieldType.Double, []), new("city", FieldType.String, []), new("zip", FieldType.String, []), new("birth_date", FieldType.Date, []),
         new("score", FieldType.Integer, []), new("diagnosis", FieldType.String, [])],
        "id", MergeStrategy.SourcePriority, [],
        [new ExtractionConfig(await Released(new ScriptInput("a", ScriptKind.Extractor, null, select)), srcA, 10),
         new ExtractionConfig(await Released(new ScriptInput("b", ScriptKind.Extractor, null, select)), srcB, 5)]),
    new TableConfig("orders",
        [new("order_id", FieldType.Integer, []), new("customer_id", FieldType.Integer, []), new("amount", FieldType.Double, []), new("ordered_at", FieldType.DateTime, [])],
        "order_id", MergeStrategy.SourcePriority, [new ForeignKeyConfig("customer_id", "customers", "id")],
        [new ExtractionConfig(await Released(new ScriptInput("o", ScriptKind.Extractor, null, "SELECT * FROM orders")), srcB, 1)]),
]);
await tasks.UpdateFieldRulesAsync(actor, task,
[
    new FieldRuleBinding("customers", "age", [await Rule(FieldType.Integer, FieldRuleType.FillOutOfRange, min: "18", max: "100")]),
    new FieldRuleBinding("customers", "income", [await Rule(FieldType.Double, FieldRuleType.FillEmpty, fill: "0"), await Rule(FieldType.Double, FieldRuleType.IgnoreOutOfRange, min: "0", max: "1000000")]),
    new FieldRuleBinding("customers", "email", [await Rule(FieldType.String, FieldRuleType.RemoveEmpty)]),
    new FieldRuleBinding("customers", "score", [await Rule(FieldType.Integer, FieldRuleType.IgnoreEmpty)]),
    new FieldRuleBinding("orders", "amount", [await Rule(FieldType.Double, FieldRuleType.RemoveOutOfRange, min: "0", max: "100000")]),
]);
await tasks.UpdateAnonymizationAsync(actor, task,
[
    new AnonymizationBinding("customers", "age", await Anon(AnonymizationMethod.Generalization, ("width", "10")), true, false),
    new AnonymizationBinding("customers", "city", null, true, false),
    new AnonymizationBinding("customers", "zip", await Anon(AnonymizationMethod.Generalization, ("prefix", "2")), false, false),
    new AnonymizationBinding("customers", "birth_date", await Anon(AnonymizationMethod.Generalization, ("truncate", "year")), false, false),
    new AnonymizationBinding("customers", "name", await Anon(AnonymizationMethod.Suppression), false, false),
    new AnonymizationBinding("customers", "income", await Anon(AnonymizationMethod.Perturbation, ("distribution", "laplace"), ("scale", "1000")), false, false),
    new AnonymizationBinding("customers", "score", await Anon(AnonymizationMethod.Permutation), false, false),
    new AnonymizationBinding("customers", "diagnosis", await Anon(AnonymizationMethod.Anatomization, ("l", "2")), false, true),
], new PrivacySettings(5, 2, 42));
await tasks.UpdateTransformationsAsync(actor, task, [await Released(new ScriptInput("totals", ScriptKind.Transformer, null,
    "SELECT customer_id, count(*) AS orders, sum(amount) AS total FROM orders GROUP BY customer_id", Transformation: new(TransformationType.Merge, "order_totals")))]);
await tasks.UpdateUploadAsync(actor, task, new UploadConfig(await Released(new ScriptInput("up", ScriptKind.Uploader, null, "")), dest));
await tasks.ReleaseAsync(actor, task);

// Each measured phase starts from a checkpoint, so that neither pays for the writes before it (the generated sources,
// the baseline's copies) when the server flushes them; run.sh lets the bench's role do it.
async Task CheckpointAsync()
{
    try { await ExecAsync(server, "CHECKPOINT"); }
    catch (PostgresException e) { Console.Error.WriteLine($"no checkpoint before the phase ({e.MessageText}): the figures vary more"); }
}

// Baseline: the same source rows COPYed out of the sources into the app database, then out of it again. It is measured
// before the engine and again after it, and the two averaged: this machine's speed drifts by a third within minutes, and
// the engine's time falls between the two.
async Task<(TimeSpan Elapsed, CpuTicks Cpu)> BaselineAsync()
{
    await CheckpointAsync();
    var cpu = CpuTicks.Now();
    var baseline = Stopwatch.StartNew();
    await CopyAsync(Db("a"), select, "base_a");
    await CopyAsync(Db("b"), select, "base_b");
    await CopyAsync(Db("b"), "SELECT * FROM orders", "base_o");
    foreach (var t in new[] { "base_a", "base_b", "base_o" })
    {
        await using var conn = new NpgsqlConnection(Db("app"));
        await conn.OpenAsync();
        await using var reader = await conn.BeginRawBinaryCopyAsync($"COPY {t} TO STDOUT (FORMAT BINARY)");
        await reader.CopyToAsync(Stream.Null);
    }
    baseline.Stop();
    var used = CpuTicks.Now() - cpu;
    await ExecAsync(Db("app"), "DROP TABLE base_a, base_b, base_o");
    return (baseline.Elapsed, used);
}
async Task CopyAsync(string from, string query, string into)
{
    await using var src = new NpgsqlConnection(from);
    await src.OpenAsync();
    await using var dst = new NpgsqlConnection(Db("app"));
    await dst.OpenAsync();
    await using (var probe = new NpgsqlCommand($"CREATE TEMP TABLE x AS {query} LIMIT 0", src)) await probe.ExecuteNonQueryAsync();
    var columns = new List<string>();
    await using (var cols = new NpgsqlCommand("SELECT format('%I %s', attname, format_type(atttypid, atttypmod)) FROM pg_attribute WHERE attrelid = 'x'::regclass AND attnum > 0 ORDER BY attnum", src))
    await using (var r = await cols.ExecuteReaderAsync()) while (await r.ReadAsync()) columns.Add(r.GetString(0));
    await using (var create = new NpgsqlCommand($"DROP TABLE IF EXISTS {into}; CREATE TABLE {into} ({string.Join(", ", columns)})", dst)) await create.ExecuteNonQueryAsync();
    await using var reader = await src.BeginRawBinaryCopyAsync($"COPY ({query}) TO STDOUT (FORMAT BINARY)");
    await using var writer = await dst.BeginRawBinaryCopyAsync($"COPY {into} FROM STDIN (FORMAT BINARY)");
    await reader.CopyToAsync(writer);
}
// The engine runs BENCH_REPEAT times (3 by default), each between two baselines; the figures are those of the run with
// the median ratio, and every ratio is printed, so one lucky or unlucky minute does not make the result.
var repeat = int.TryParse(Environment.GetEnvironmentVariable("BENCH_REPEAT"), out var r0) && r0 > 0 ? r0 : 3;
var runs = provider.GetRequiredService<PipelineRunService>();
var measured = new List<(TimeSpan Engine, TimeSpan Before, TimeSpan After, RunView Run)>();
// The machine's CPU time (all processes: this one, PostgreSQL's backends and workers) and the time the hypervisor
// took the cores away (steal), for the engine and for the baselines: this is a virtual machine on shared cores.
var engineCpu = new CpuTicks(0, 0, 0);
var (before, baselineCpu) = await BaselineAsync();
for (var attempt = 0; attempt < repeat; attempt++)
{
    var runId = await runs.StartAsync(actor, task);
    await CheckpointAsync();
    var cpu = CpuTicks.Now();
    var engine = Stopwatch.StartNew();
    await provider.GetRequiredService<IPipelineRunExecutor>().ExecuteAsync(runId, CancellationToken.None);
    engine.Stop();
    engineCpu += CpuTicks.Now() - cpu;
    var run = await runs.GetAsync(actor, runId);
    if (run.State != RunState.Prepared) throw new InvalidOperationException($"The run ended {run.State}: {run.Error}");
    // The run's tables go before the next baseline, so each repetition starts from the same database.
    await ExecAsync(Db("app"), StagingLayout.DropSql(StagingLayout.SchemaFor(runId)));
    var (after, afterCpu) = await BaselineAsync();
    baselineCpu += afterCpu;
    measured.Add((engine.Elapsed, before, after, run));
    before = after;
}
var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
double Ratio((TimeSpan Engine, TimeSpan Before, TimeSpan After, RunView Run) m) => m.Engine / ((m.Before + m.After) / 2);
var median = measured.OrderBy(Ratio).ElementAt(measured.Count / 2);
var baseline = (median.Before + median.After) / 2;
var outRows = median.Run.Steps.Single(s => s.Step == "Outbox").RowsOut;
var line = $"| {total:N0} | {median.Engine.TotalSeconds:0.0} | {total / median.Engine.TotalSeconds:N0} | {baseline.TotalSeconds:0.0} | {total / baseline.TotalSeconds:N0} | {Ratio(median):0.00}× | {peak:0} | {outRows:N0} |";
var steps = string.Join(", ", median.Run.Steps.Select(s => $"{s.Step} {s.Duration?.TotalSeconds:0.0} s"))
    + $"; COPY baseline {median.Before.TotalSeconds:0.0} s before, {median.After.TotalSeconds:0.0} s after; "
    + $"the {measured.Count} runs' ratios {string.Join(", ", measured.Select(m => $"{Ratio(m):0.00}×"))}; "
    + $"CPU time a run {engineCpu.BusySeconds / repeat:0.0} s against {baselineCpu.BusySeconds / (repeat + 1):0.0} s a baseline "
    + $"({engineCpu.BusySeconds / repeat / (baselineCpu.BusySeconds / (repeat + 1)):0.00}×), stolen by the host {engineCpu.StealShare:P0} of the engine's time, {baselineCpu.StealShare:P0} of the baselines'";
Console.WriteLine(line);
Console.WriteLine(steps);
await File.AppendAllTextAsync(resultsFile, line + "\n");
await File.AppendAllTextAsync(resultsFile + ".steps", $"- {total:N0} rows: {steps}\n");
NpgsqlConnection.ClearAllPools();
// The figures are written; a scratch database an autovacuum worker still holds is dropped by the next run instead.
// BENCH_KEEP=1 keeps them for looking at the run's tables afterwards.
if (Environment.GetEnvironmentVariable("BENCH_KEEP") != "1")
{
    foreach (var d in new[] { "app", "a", "b" })
        try { await ExecAsync(server, $"DROP DATABASE IF EXISTS {tag}_{d} WITH (FORCE)"); }
        catch (PostgresException e) { Console.Error.WriteLine($"could not drop {tag}_{d} now ({e.MessageText}); the next run drops it"); }
}

/// <summary>The machine's CPU time from /proc/stat, in clock ticks: busy (user, nice, system, interrupts), stolen by the host, and all.</summary>
internal readonly record struct CpuTicks(long Busy, long Steal, long Total)
{
    private const double TicksPerSecond = 100;

    public static CpuTicks Now()
    {
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return new(f[0] + f[1] + f[2] + f[5] + f[6], f[7], f.Take(8).Sum());
    }

    public double BusySeconds => Busy / TicksPerSecond;

    public double StealShare => Total == 0 ? 0 : (double)Steal / Total;

    public static CpuTicks operator -(CpuTicks a, CpuTicks b) => new(a.Busy - b.Busy, a.Steal - b.Steal, a.Total - b.Total);

    public static CpuTicks operator +(CpuTicks a, CpuTicks b) => new(a.Busy + b.Busy, a.Steal + b.Steal, a.Total + b.Total);
}

internal sealed class NoQueue : IRunQueue
{
    public Task EnqueueRunAsync(Guid runId, CancellationToken ct = default) => Task.CompletedTask;
    public Task EnqueueUploadAsync(Guid runId, CancellationToken ct = default) => Task.CompletedTask;
}
