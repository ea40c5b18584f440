// Outbox paging benchmark: a 1,000,000-row outbox table staged as the engine lays it out, then page changes with sorting
// and filtering through OutboxService.GetPageAsync (server time, in process), beside the plain OFFSET SQL sent straight to
// PostgreSQL with Npgsql (what the service would cost without indexes and page maps). A filtered scenario's first call
// creates the sort index and builds the page map; after an edit, the next filtered page makes a new map from the previous
// one and the edited row.
// Usage: OutboxBench <connection string> <rows> <output.md>
using System.Diagnostics;
using System.Text.Json;
using EtlStudio.Core;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

var (connectionString, rows, output) = (args[0], int.Parse(args[1]), args[2]);
var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Default"] = connectionString,
    // A scratch database: keys of its own for this run (the Core refuses to work without them).
    ["Audit:ChainKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    ["DataProtection:ProtectionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
}).Build();
var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning)).AddSingleton<IConfiguration>(configuration);
services.AddEtlStudioCore(configuration);
await using var provider = services.BuildServiceProvider();
await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync();

var (actor, runId, schema) = await StageAsync(provider, connectionString, rows);
var outbox = provider.GetRequiredService<OutboxService>();
var random = new Random(7);
const int Size = 50;
const int Runs = 25;
const int Edits = 5;

var scenarios = new (string Name, Func<int, OutboxQuery> Query)[]
{
    ("next page, row order", p => new OutboxQuery(p, Size)),
    ("sort by name (text) desc", p => new OutboxQuery(p, Size, "name", true)),
    ("sort by score + filter age 30–40", p => new OutboxQuery(p, Size, "score", false, [new("age", OutboxFilterOp.Between, "30", "40")])),
    ("sort by born + filter city = Oslo", p => new OutboxQuery(p, Size, "born", true, [new("city", OutboxFilterOp.Equals, "Oslo")])),
    ("filter name contains '4242' + sort by age", p => new OutboxQuery(p, Size, "age", false, [new("name", OutboxFilterOp.Contains, "4242")])),
};

var lines = new List<string>
{
    $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {rows:N0} rows, page size {Size}: {Runs} jumps per scenario to random pages among the first 2,000 (filtered: among those that exist; through the page map); then {Runs} consecutive \"next page\" changes from a random page, seeking from the last row shown (what the grid does); then {Edits} times an edit of one row followed by a jump (the jump makes the new version's page map from the previous one and the edited row).",
    "",
    "| scenario | matching rows | first call ms (creates the sort index; filtered: builds the page map) | OutboxService p50 ms | p95 ms | max ms | raw OFFSET SQL p50 ms | target < 300 ms |",
    "|---|---:|---:|---:|---:|---:|---:|:---:|",
};
foreach (var (name, query) in scenarios)
{
    var sw = Stopwatch.StartNew();
    var first = await outbox.GetPageAsync(actor, runId, "people", query(1));
    var firstMs = sw.Elapsed.TotalMilliseconds;
    var pages = (int)Math.Max(1, Math.Min(2000, (first.Total + Size - 1) / Size));
    var service = new List<double>();
    var raw = new List<double>();
    for (var i = 0; i < Runs; i++)
    {
        var q = query(random.Next(1, pages + 1));
        sw.Restart();
        await outbox.GetPageAsync(actor, runId, "people", q);
        service.Add(sw.Elapsed.TotalMilliseconds);
        raw.Add(await RawAsync(connectionString, schema, q));
    }
    service.Sort();
    raw.Sort();
    var p95 = service[(int)Math.Ceiling(0.95 * service.Count) - 1];
    lines.Add($"| {name} | {first.Total:N0} | {firstMs:F0} | {service[service.Count / 2]:F1} | {p95:F1} | {service[^1]:F1} | {raw[raw.Count / 2]:F1} | {(p95 < 300 ? "yes" : "**no**")} |");
    Console.WriteLine(lines[^1]);
}
// Paging forward ("next page") from a random deep page: each page seeks from the previous page's last row.
foreach (var (name, query) in scenarios.Where(s => s.Name.Contains("filter")))
{
    var first = await outbox.GetPageAsync(actor, runId, "people", query(1));
    var pages = (int)Math.Max(1, Math.Min(2000, (first.Total + Size - 1) / Size));
    var times = new List<double>();
    var start = random.Next(1, Math.Max(1, pages - Runs));
    var page = await outbox.GetPageAsync(actor, runId, "people", query(start));
    var sort = query(1).OrderBy!;
    for (var i = 1; i <= Runs && page.Rows.Count == Size; i++)
    {
        var q = query(start + i) with { After = new OutboxCursor(page.Rows[^1].RowId, OutboxValues.Format(page.Rows[^1].Values[sort])) };
        var sw = Stopwatch.StartNew();
        page = await outbox.GetPageAsync(actor, runId, "people", q);
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    if (times.Count == 0) continue; // a single page (small BENCH_ROWS): there is no next one
    times.Sort();
    var p95 = times[(int)Math.Ceiling(0.95 * times.Count) - 1];
    lines.Add($"| {name}, next page from page {start} (seek) | {first.Total:N0} | – | {times[times.Count / 2]:F1} | {p95:F1} | {times[^1]:F1} | – | {(p95 < 300 ? "yes" : "**no**")} |");
    Console.WriteLine(lines[^1]);
}
// An edit bumps the table's edits version: the next filtered page cannot use the old map and makes one from it.
foreach (var (name, query) in scenarios.Where(s => s.Name.Contains("filter")))
{
    var first = await outbox.GetPageAsync(actor, runId, "people", query(1));
    var pages = (int)Math.Max(1, Math.Min(2000, (first.Total + Size - 1) / Size));
    var times = new List<double>();
    for (var i = 0; i < Edits; i++)
    {
        var row = first.Rows[i % first.Rows.Count];
        await outbox.UpdateAsync(actor, runId, "people", row.RowId, new Dictionary<string, string?> { ["active"] = (row.Values["active"] is false ^ i % 2 == 1).ToString() });
        var q = query(random.Next(1, pages + 1));
        var sw = Stopwatch.StartNew();
        await outbox.GetPageAsync(actor, runId, "people", q);
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    var p95 = times[(int)Math.Ceiling(0.95 * times.Count) - 1];
    lines.Add($"| {name}, first jump after an edit (makes the new map from the previous one) | {first.Total:N0} | – | {times[times.Count / 2]:F1} | {p95:F1} | {times[^1]:F1} | – | {(p95 < 300 ? "yes" : "**no**")} |");
    Console.WriteLine(lines[^1]);
}
await File.WriteAllLinesAsync(output, lines);

// The same page as plain OFFSET SQL over one connection: what PostgreSQL itself needs for rows + count without a page map.
static async Task<double> RawAsync(string cs, string schema, OutboxQuery q)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    var where = q.Filters?.FirstOrDefault() switch
    {
        { Op: OutboxFilterOp.Between } f => $"WHERE age BETWEEN {f.Value} AND {f.Value2}",
        { Op: OutboxFilterOp.Equals } f => $"WHERE city = '{f.Value}'",
        { Op: OutboxFilterOp.Contains } f => $"WHERE name ILIKE '%{f.Value}%'",
        _ => "",
    };
    var dir = q.Descending ? "DESC" : "ASC";
    var order = q.OrderBy is null ? $"_row {dir}" : $"\"{q.OrderBy}\" {dir}, _row {dir}";
    var sw = Stopwatch.StartNew();
    await using var cmd = new NpgsqlCommand($"SELECT * FROM \"{schema}\".people {where} ORDER BY {order} LIMIT {q.PageSize} OFFSET {(q.Page - 1) * q.PageSize}; SELECT count(*) FROM \"{schema}\".people {where}", conn);
    await using var r = await cmd.ExecuteReaderAsync();
    while (await r.ReadAsync()) { }
    await r.NextResultAsync();
    await r.ReadAsync();
    return sw.Elapsed.TotalMilliseconds;
}

// A data manager, a released task, a Prepared run and its staging schema with one generated table, as the engine leaves them.
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
        db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = userId, Role = UserRole.ManageData, AssignedAt = now });
        await db.SaveChangesAsync(); // the user first: no navigations tell EF the order
        db.Tasks.Add(new EtlTask { Id = taskId, Name = "bench " + taskId.ToString("N")[..6], Status = EtlTaskStatus.Released, CreatedBy = userId, CreatedAt = now, UpdatedAt = now, ReleasedAt = now });
        await db.SaveChangesAsync();
        var run = new PipelineRun { Id = runId, TaskId = taskId, Number = 1, SchemaName = schema, RequestedBy = userId, CreatedAt = now };
        // Prepared the way a worker leaves it: taken, every step finished.
        run.Move(RunTransition.Begin, now);
        run.Move(RunTransition.Complete, now);
        db.Runs.Add(run);
        await db.SaveChangesAsync();
    }
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    var columns = new[] { ("id", "Integer"), ("name", "String"), ("city", "String"), ("age", "Integer"), ("born", "Date"), ("score", "Double"), ("active", "Boolean") };
    var sql = $"""
        {StagingLayout.CreateSql(schema)}
        CREATE TABLE {Sql.Table(schema, "people")} (_row bigint PRIMARY KEY, id bigint, name text, city text, age bigint, born date, score double precision, active boolean);
        INSERT INTO {Sql.Table(schema, "people")}
        SELECT g, g, 'person ' || g, (ARRAY['Oslo','Lima','Pune','Graz','Kobe','Mons','Nice','Turku','Leeds','Cork'])[1 + g % 10],
               18 + g % 60, date '1950-01-01' + (g % 20000), (g::bigint * 7919 % 100003) / 1000.0, g % 2 = 0
        FROM generate_series(1, {rows}) g;
        INSERT INTO {Sql.Table(schema, StagingLayout.Catalog)} (table_name, ordinal, columns, primary_key, source_table)
        VALUES ('people', 1, '{JsonSerializer.Serialize(columns.Select(c => new { name = c.Item1, type = c.Item2 }))}'::jsonb, 'id', 'people');
        ANALYZE {Sql.Table(schema, "people")};
        """;
    await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 900 };
    await cmd.ExecuteNonQueryAsync();
    return (new Actor(userId, "bench", ActorSource.Ui), runId, schema);
}
