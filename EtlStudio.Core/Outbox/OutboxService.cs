using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Prepared data awaiting review (use cases View and Manage Prepared Data): list outboxes, page through a table with
/// sorting and typed filters, add, edit and delete rows while the run is Prepared, discard an outbox.
/// </summary>
public sealed class OutboxService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, NpgsqlDataSource data, IMemoryCache cache, TimeProvider time)
{
    /// <summary>States whose outbox still exists and can be looked at.</summary>
    public static readonly IReadOnlyList<RunState> VisibleStates = [RunState.Prepared, RunState.Uploading, RunState.Uploaded];

    /// <summary>States from which an outbox may be discarded (never while or after it is uploaded).</summary>
    private static readonly RunState[] Discardable = [RunState.Prepared, RunState.Failed, RunState.Cancelled];

    public async Task<Paged<OutboxSummary>> ListAsync(Actor actor, PageRequest page, Guid? taskId = null, CancellationToken ct = default)
    {
        await OutboxReaders.DemandAsync(policy, actor, "outbox.list", null, ct);
        var (runs, total) = await scope.ReadAsync(async db =>
        {
            var q = db.Runs.Where(r => VisibleStates.Contains(r.State));
            if (taskId is { } t) q = q.Where(r => r.TaskId == t);
            var rows = await q.OrderByDescending(r => r.CreatedAt).Skip(page.Skip).Take(page.SafeSize)
                .Join(db.Tasks, r => r.TaskId, t => t.Id, (r, t) => new RunRow(r.Id, r.TaskId, t.Name, r.Number, r.State, r.SchemaName, r.CreatedAt, r.FinishedAt, r.Error))
                .ToListAsync(ct);
            return (rows, await q.LongCountAsync(ct));
        }, ct);
        var items = new List<OutboxSummary>();
        await using var conn = await data.OpenConnectionAsync(ct);
        foreach (var r in runs) items.Add(await SummarizeAsync(conn, r, ct));
        return new Paged<OutboxSummary>(items, total, page.SafePage, page.SafeSize);
    }

    public async Task<OutboxSummary> GetAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await OutboxReaders.DemandAsync(policy, actor, "outbox.read", runId, ct);
        var run = await FindRunAsync(runId, ct);
        await using var conn = await data.OpenConnectionAsync(ct);
        return await SummarizeAsync(conn, run, ct);
    }

    /// <summary>One page of a table, filtered and sorted in PostgreSQL; only the page's rows leave the database.</summary>
    public Task<OutboxPage> GetPageAsync(Actor actor, Guid runId, string table, OutboxQuery query, CancellationToken ct = default) =>
        GetPageAsync(actor, runId, table, query, OutboxPagePath.Auto, ct);

    internal async Task<OutboxPage> GetPageAsync(Actor actor, Guid runId, string table, OutboxQuery query, OutboxPagePath path, CancellationToken ct = default)
    {
        await OutboxReaders.DemandAsync(policy, actor, "outbox.read", runId, ct);
        var run = await FindRunAsync(runId, ct);
        await using var conn = await data.OpenConnectionAsync(ct);
        var t = await OutboxCatalog.FindAsync(conn, null, run.Schema, table, ct);
        var sql = OutboxSql.Build(t, query);
        var large = await OutboxIndexes.IsLargeAsync(conn, run.Schema, t.Name, ct);
        if (large) await OutboxIndexes.EnsureAsync(conn, run.Schema, t, sql, ct);
        var paging = query.Paging;
        var from = Sql.Table(run.Schema, t.Name);
        var edits = await EditsAsync(conn, runId, t.Name, ct);
        // Counting a large filter costs more than the page itself; the count is cached until the table's next edit.
        var countKey = CountKey(runId, t.Name, edits, sql);

        // A jump deep into a large filtered set would make OFFSET walk every earlier row: read it through a page map instead.
        // The cursor (next page from the last row shown) stays a seek, which is as fast without one.
        if (query.After is null && (path == OutboxPagePath.PageMap || path == OutboxPagePath.Auto && large && sql.FilterColumns.Count > 0))
        {
            var map = await OutboxPageMaps.FindOrBuildAsync(conn, runId, run.Schema, t, sql, edits, ct);
            var (mapSql, mapParameters) = OutboxSql.MapPage(from, Sql.Table(run.Schema, map.Name), t, paging);
            try
            {
                var mapped = await ReadRowsAsync(conn, t, mapSql, mapParameters, ct);
                // The seek path's count, which would otherwise count the filter again.
                cache.Set(countKey, map.Rows, CountEntry);
                return new OutboxPage(t, mapped, map.Rows, paging.SafePage, paging.SafeSize);
            }
            // A newer build dropped the map between finding and reading it (an edit, or more maps than kept): read the plain way.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { }
        }

        var cachedTotal = cache.TryGetValue(countKey, out long known) ? known : (long?)null;
        var columns = string.Join(", ", t.Columns.Select(c => Sql.Ident(c.Name)));
        await using var batch = new NpgsqlBatch(conn);
        var (pageSql, pageParameters) = sql.Page(from, columns, query);
        var rows = new NpgsqlBatchCommand(pageSql);
        foreach (var p in pageParameters) rows.Parameters.Add(p.Clone());
        batch.BatchCommands.Add(rows);
        if (cachedTotal is null)
        {
            var count = new NpgsqlBatchCommand($"SELECT count(*) FROM {from} {sql.Where}");
            foreach (var p in sql.Parameters) count.Parameters.Add(p.Clone());
            batch.BatchCommands.Add(count);
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var items = await ReadRowsAsync(reader, t, ct);
        var total = cachedTotal ?? 0;
        if (cachedTotal is null)
        {
            await reader.NextResultAsync(ct);
            await reader.ReadAsync(ct);
            total = reader.GetInt64(0);
            cache.Set(countKey, total, CountEntry);
        }
        return new OutboxPage(t, items, total, paging.SafePage, paging.SafeSize);
    }

    public async Task<long> AddAsync(Actor actor, Guid runId, string table, IReadOnlyDictionary<string, string?> values, CancellationToken ct = default) =>
        (await ModifyAsync(actor, runId, table, [RowChange.Add(values)], ct))[0];

    public Task UpdateAsync(Actor actor, Guid runId, string table, long rowId, IReadOnlyDictionary<string, string?> values, CancellationToken ct = default) =>
        ModifyAsync(actor, runId, table, [RowChange.Edit(rowId, values)], ct);

    public Task DeleteAsync(Actor actor, Guid runId, string table, long rowId, CancellationToken ct = default) =>
        ModifyAsync(actor, runId, table, [RowChange.Delete(rowId)], ct);

    /// <summary>
    /// Applies the changes together or not at all (MANAGE_DATA, run Prepared). Each is validated against the catalog types,
    /// the primary key and the task's range rules, and audited with the row before and after. Returns the ids of added rows.
    /// </summary>
    public async Task<IReadOnlyList<long>> ModifyAsync(Actor actor, Guid runId, string table, IReadOnlyList<RowChange> changes, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ManageData, "outbox.modify", "Outbox", runId, ct);
        if (changes.Count == 0) throw new ValidationException("modifications", "Nothing to change.");
        return await scope.RunAsync(async db =>
        {
            // FOR SHARE: an upload request (which moves the run out of Prepared) waits until this edit commits.
            var run = await db.Runs.FromSqlInterpolated($"SELECT *, xmin FROM app.pipeline_runs WHERE id = {runId} FOR SHARE").AsNoTracking().FirstOrDefaultAsync(ct)
                      ?? throw DomainException.NotFound("Run", runId);
            if (run.State != RunState.Prepared)
                throw DomainException.Precondition($"The outbox can be edited only while the run is Prepared; it is {run.State}.");
            var conn = (NpgsqlConnection)db.Database.GetDbConnection();
            var tx = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
            var t = await OutboxCatalog.FindAsync(conn, tx, run.SchemaName, table, ct);
            var plan = await RunPlanReader.ReadAsync(db, run, ct);
            var editor = new OutboxRowEditor(conn, tx, run.SchemaName, t, plan);
            var version = await BumpEditsAsync(conn, tx, runId, t.Name, ct);
            var added = new List<long>();
            var changed = new HashSet<long>();
            for (var i = 0; i < changes.Count; i++)
            {
                var (rowId, before, after) = await editor.ApplyAsync(changes[i], changes.Count == 1 ? "" : $"modifications[{i}].", ct);
                if (changes[i].Kind == RowChangeKind.Add) added.Add(rowId);
                changed.Add(rowId);
                await audit.RecordAsync(db, actor, "outbox.row." + changes[i].Kind.ToString().ToLowerInvariant(), "OutboxRow", $"{runId}/{t.Name}/{rowId}",
                    new AuditChanges().Field("row", before, after), ct);
            }
            // With the version, in this transaction: the next page map is made from the previous one and these rows.
            await OutboxEditLog.RecordAsync(conn, tx, run.SchemaName, t.Name, version, changed, ct);
            return (IReadOnlyList<long>)added;
        }, ct);
    }

    /// <summary>Deletes the outbox without uploading it (PROCESS_ETL_TASK): drops the staging schema, the run becomes Discarded.</summary>
    public async Task DiscardAsync(Actor actor, Guid runId, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.ProcessEtlTask, "outbox.discard", "PipelineRun", runId, ct);
        await scope.RunAsync(async db =>
        {
            var run = await db.Runs.FromSqlInterpolated($"SELECT *, xmin FROM app.pipeline_runs WHERE id = {runId} FOR UPDATE").FirstOrDefaultAsync(ct)
                      ?? throw DomainException.NotFound("Run", runId);
            if (!Discardable.Contains(run.State))
                throw DomainException.Precondition($"Only a Prepared, Failed or Cancelled run's outbox can be discarded; this run is {run.State}.");
            var before = run.State;
            // The schema name is quoted as an identifier; it cannot be a parameter.
            var drop = StagingLayout.DropSql(run.SchemaName);
            await db.Database.ExecuteSqlRawAsync(drop, ct);
            run.Move(RunTransition.Discard, time.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "outbox.discard", "PipelineRun", runId,
                new AuditChanges().Field("state", before.ToString(), run.State.ToString()).Note("schema", run.SchemaName), ct);
        }, ct);
    }

    private static async Task<List<OutboxRow>> ReadRowsAsync(NpgsqlConnection conn, OutboxTable t, string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.Add(p.Clone());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await ReadRowsAsync(reader, t, ct);
    }

    // Row id first, then the catalog's columns in order.
    private static async Task<List<OutboxRow>> ReadRowsAsync(NpgsqlDataReader reader, OutboxTable t, CancellationToken ct)
    {
        var items = new List<OutboxRow>();
        while (await reader.ReadAsync(ct))
        {
            var values = new Dictionary<string, object?>(t.Columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < t.Columns.Count; i++) values[t.Columns[i].Name] = OutboxValues.Read(reader, i + 1, t.Columns[i].Type);
            items.Add(new OutboxRow(reader.GetInt64(0), values));
        }
        return items;
    }

    private static readonly MemoryCacheEntryOptions CountEntry = new() { SlidingExpiration = TimeSpan.FromMinutes(10), Size = 1 };

    private static string CountKey(Guid runId, string table, long edits, OutboxSql sql) => $"outbox-count|{runId}|{table}|{edits}|{sql.CacheKey}";

    private static async Task<long> EditsAsync(NpgsqlConnection conn, Guid runId, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT edits FROM app.outbox_edits WHERE run_id = @run AND table_name = @table", conn);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("table", table);
        return await cmd.ExecuteScalarAsync(ct) as long? ?? 0;
    }

    // In the edit's transaction: a count cached on any node is keyed by this number, so it is never used after the edit commits.
    // The row stays locked until then, so a table's edits commit in the order of their versions (which page maps rely on).
    private static async Task<long> BumpEditsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid runId, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO app.outbox_edits (run_id, table_name, edits) VALUES (@run, @table, 1)
            ON CONFLICT (run_id, table_name) DO UPDATE SET edits = app.outbox_edits.edits + 1
            RETURNING edits
            """, conn, tx);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("table", table);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<RunRow> FindRunAsync(Guid runId, CancellationToken ct) =>
        await scope.ReadAsync(db => db.Runs.Where(r => r.Id == runId)
            .Join(db.Tasks, r => r.TaskId, t => t.Id, (r, t) => new RunRow(r.Id, r.TaskId, t.Name, r.Number, r.State, r.SchemaName, r.CreatedAt, r.FinishedAt, r.Error))
            .FirstOrDefaultAsync(ct), ct) ?? throw DomainException.NotFound("Run", runId);

    private async Task<OutboxSummary> SummarizeAsync(NpgsqlConnection conn, RunRow r, CancellationToken ct)
    {
        var tables = new List<OutboxTableView>();
        foreach (var t in await OutboxCatalog.ReadAsync(conn, null, r.Schema, ct))
        {
            // The same cached count as an unfiltered page, so listing large outboxes does not count them each time.
            var key = CountKey(r.Id, t.Name, await EditsAsync(conn, r.Id, t.Name, ct), OutboxSql.Build(t, new OutboxQuery()));
            if (!cache.TryGetValue(key, out long rows))
            {
                rows = await OutboxCatalog.CountAsync(conn, null, r.Schema, t.Name, ct);
                cache.Set(key, rows, CountEntry);
            }
            tables.Add(new OutboxTableView(t, rows));
        }
        return new OutboxSummary(r.Id, r.TaskId, r.TaskName, r.Number, r.State, r.CreatedAt, r.FinishedAt, r.Error, tables);
    }

    private sealed record RunRow(Guid Id, Guid TaskId, string TaskName, int Number, RunState State, string Schema, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? Error);
}
