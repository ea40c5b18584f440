using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EtlStudio.Core.Pipeline;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Page maps: the rows of one filtered, sorted page set numbered once, as <c>(rn bigint PRIMARY KEY, s, _row bigint)</c> (s a
/// copy of the sort value, none when sorted by row id), so a jump to any page is a range lookup on the map's key instead of
/// an OFFSET scan over every earlier row, and the map's row count is the page's total. A map belongs to one (run, table,
/// edits version, filter with its values, order); an edit bumps the version in its transaction, so no map made before the
/// edit is read. The next map of the same filter and order is made from the previous version's map and the rows the edits
/// since changed (<see cref="OutboxEditLog"/>), or from the whole table when there is none or too much changed.
/// Maps live in the run's staging schema as <c>_pm_…</c> (a leading <c>_</c> marks engine tables, which no reader takes
/// for outbox tables: those come from the catalog), so dropping the schema drops them.
/// </summary>
internal static class OutboxPageMaps
{
    private const string Prefix = "_pm_";

    // Each map of a table costs 16 bytes a row plus its key and sort value; a handful covers the filters one review moves
    // between. Maps of older versions of other filters are kept too (within the limit): the next map of theirs is made from them.
    private const int KeepPerTable = 8;

    // Made from the previous map while the rows changed since are at most this many plus this share of its rows. That costs
    // one pass over the previous map and a write of the new one, plus per changed row a table lookup and about log2(rows) map
    // lookups (18 for 183,337 rows); the full build filters the table and sorts every matching row, whatever changed. At 2%
    // the lookups (about 66,000 for 183,337 rows) are of the order of that sort, so beyond it the full build is the safer
    // bet; the floor keeps small maps incremental. A chosen bound, not a measured crossover.
    private const long IncrementalRows = 1000;
    private const double IncrementalShare = 0.02;

    public sealed record PageMap(string Name, long Rows);

    /// <summary>The map for this page set, built (in one transaction, never seen half-made) when there is none yet.</summary>
    public static async Task<PageMap> FindOrBuildAsync(NpgsqlConnection conn, Guid runId, string schema, OutboxTable table, OutboxSql sql, long edits, CancellationToken ct)
    {
        // The set: the rows and order whatever the version, which finds the previous version's map among the table's maps.
        var set = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{runId:N}\u0001{table.Name}\u0001{sql.CacheKey}\u0001{sql.OrderBy}")))[..24];
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{runId:N}\u0001{table.Name}\u0001{edits}\u0001{sql.CacheKey}\u0001{sql.OrderBy}"));
        var name = TablePrefix(table.Name) + Convert.ToHexStringLower(hash)[..24];
        if (await FindAsync(conn, null, schema, name, ct) is { } found && await IntactAsync(conn, schema, name, found, ct)) return new(name, found.Rows);

        await using var tx = await conn.BeginTransactionAsync(ct);
        // Two requests (or two web nodes) asking for the same map: the second waits here, then finds the first one's map.
        await using (var lockKey = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", conn, tx) { CommandTimeout = 600 })
        {
            lockKey.Parameters.AddWithValue("k", BitConverter.ToInt64(hash, 0));
            await lockKey.ExecuteNonQueryAsync(ct);
        }
        // The build sorts the whole filtered set: in memory, not in temporary files.
        await ExecAsync(conn, tx, "SELECT set_config('work_mem', '64MB', true)", ct);
        if (await FindAsync(conn, tx, schema, name, ct) is { } built && await IntactAsync(conn, schema, name, built, ct, tx))
        {
            await tx.CommitAsync(ct);
            return new(name, built.Rows);
        }
        var map = Sql.Table(schema, name);
        var from = Sql.Table(schema, table.Name);
        // A table of this name without a readable note is not a finished map (see Parse); it goes.
        await ExecAsync(conn, tx, $"DROP TABLE IF EXISTS {map}", ct);
        var previous = await PreviousAsync(conn, tx, schema, table.Name, set, edits, ct);
        // Unlogged: a map is a cache, rebuilt from the table whenever it is missing, so its writes need no WAL. After a server
        // crash PostgreSQL empties an unlogged table but keeps it (and its note); IntactAsync tells such a map from a whole one.
        // CREATE TABLE AS rather than CREATE and INSERT: it writes in bulk, a quarter faster on 180,000 rows.
        //
        // Why a map made from the previous one holds exactly the rows the full build would, under READ COMMITTED with edits
        // committing meanwhile:
        // - A map labelled v reflects a snapshot that saw every edit up to v: v was read committed before its build began, and
        //   a table's edits commit in version order (the edit holds its app.outbox_edits row until it commits).
        // - MapRowsSince is one statement, so one snapshot S reads the log and the table. An edit that changed a row after the
        //   previous map's snapshot committed after it, so its version is above that map's label, and its log rows commit with
        //   its changes: S sees them. So every row S sees otherwise than the previous map is among the changed rows read again
        //   in S, and every other row is unchanged: the new map is the filtered set as of S. (Rows of edits newer than the
        //   version built, committed since it was read, are merely read again: their newer values are what S holds anyway.)
        // - S saw every edit up to the version built (it was read before this transaction), so the label is not newer than
        //   what the map reflects, and the first point holds for the map made from this one. The full build likewise.
        await using (var fill = new NpgsqlCommand($"CREATE UNLOGGED TABLE {map} ({sql.MapColumns}) AS "
            + (previous is null ? sql.MapRows(from) : sql.MapRowsSince(from, Sql.Table(schema, previous.Name), Sql.Table(schema, OutboxEditLog.Name))), conn, tx) { CommandTimeout = 600 })
        {
            foreach (var p in sql.Parameters) fill.Parameters.Add(p.Clone());
            if (previous is not null)
            {
                fill.Parameters.AddWithValue("edited_table", table.Name);
                fill.Parameters.AddWithValue("since", previous.Note.Edits);
                fill.Parameters.AddWithValue("rows", previous.Note.Rows);
            }
            await fill.ExecuteNonQueryAsync(ct);
        }
        await ExecAsync(conn, tx, $"ALTER TABLE {map} ADD PRIMARY KEY (rn)", ct);
        // The last row number is the count (Npgsql reports no row count for CREATE TABLE AS); the key answers it at once.
        long rows;
        await using (var last = new NpgsqlCommand($"SELECT coalesce(max(rn), 0) FROM {map}", conn, tx)) rows = (long)(await last.ExecuteScalarAsync(ct))!;
        var note = JsonSerializer.Serialize(new Note(edits, rows, DateTime.UtcNow.Ticks, set, previous?.Note.Edits));
        // COMMENT takes no parameters; the note is JSON of numbers and a hex string, so it holds no quote to escape.
        await ExecAsync(conn, tx, $"COMMENT ON TABLE {map} IS '{note}'", ct);
        await DropObsoleteAsync(conn, tx, schema, table.Name, name, set, edits, ct);
        await tx.CommitAsync(ct);
        return new(name, rows);
    }

    /// <summary>
    /// The newest earlier-version map of this set, locked for this transaction (so no other build drops it meanwhile) and
    /// whole, when few enough rows changed since; none means the table is read instead.
    /// </summary>
    private static async Task<Listed?> PreviousAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string table, string set, long edits, CancellationToken ct)
    {
        if (!await OutboxEditLog.ExistsAsync(conn, tx, schema, ct)) return null;
        foreach (var m in (await ListAsync(conn, tx, schema, table, ct)).Where(m => m.Note.Set == set && m.Note.Edits >= 0 && m.Note.Edits < edits).OrderByDescending(m => m.Note.Edits))
        {
            await tx.SaveAsync("previous_map", ct);
            try { await ExecAsync(conn, tx, $"LOCK TABLE {Sql.Table(schema, m.Name)} IN ACCESS SHARE MODE", ct); }
            // Dropped since it was listed (by a build that replaced it): the next older one, if any.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                await tx.RollbackAsync("previous_map", ct);
                continue;
            }
            await tx.ReleaseAsync("previous_map", ct);
            if (!await IntactAsync(conn, schema, m.Name, m.Note, ct, tx)) return null;
            var (changed, complete) = await OutboxEditLog.CountSinceAsync(conn, tx, schema, table, m.Note.Edits, edits, ct);
            return complete && changed <= IncrementalRows + IncrementalShare * m.Note.Rows ? m : null;
        }
        return null;
    }

    /// <summary>
    /// Earlier versions of this map go (never read again) with maps without a readable note, and beyond the limit the least
    /// recently built. Older versions of other filters stay: the next map of each is made from its newest one.
    /// </summary>
    private static async Task DropObsoleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string table, string current, string set, long edits, CancellationToken ct)
    {
        var maps = (await ListAsync(conn, tx, schema, table, ct)).Where(m => m.Name != current).ToList();
        // Maps from before sets were noted cannot be brought up to date; once older than the version they are dead.
        bool Superseded(Note n) => n.Edits < 0 || n.Edits < edits && (n.Set is null || n.Set == set);
        var kept = maps.Where(m => !Superseded(m.Note)).OrderByDescending(m => m.Note.Built).Take(KeepPerTable - 1).Select(m => m.Name).ToHashSet();
        // Without waiting: a map being read, or being made into a new one by another build (which holds it while taking locks
        // of its own), is left for the next build to drop, so two builds never wait on each other's maps.
        foreach (var m in maps.Select(m => m.Name).Where(n => !kept.Contains(n)).Order(StringComparer.Ordinal))
        {
            var target = Sql.Table(schema, m);
            try { await ExecAsync(conn, tx, $"SAVEPOINT drop_map; LOCK TABLE {target} IN ACCESS EXCLUSIVE MODE NOWAIT; DROP TABLE {target}; RELEASE SAVEPOINT drop_map", ct); }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.UndefinedTable)
            {
                await ExecAsync(conn, tx, "ROLLBACK TO SAVEPOINT drop_map; RELEASE SAVEPOINT drop_map", ct);
            }
        }
    }

    private static async Task<List<Listed>> ListAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string table, CancellationToken ct)
    {
        var maps = new List<Listed>();
        await using var list = new NpgsqlCommand("""
            SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @s AND c.relkind = 'r' AND starts_with(c.relname, @p)
            """, conn, tx);
        list.Parameters.AddWithValue("s", schema);
        list.Parameters.AddWithValue("p", TablePrefix(table));
        await using var r = await list.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) maps.Add(new(r.GetString(0), Parse(r.IsDBNull(1) ? null : r.GetString(1))));
        return maps;
    }

    /// <summary>A map with rows has its first one; one a server crash emptied has none, and is built again.</summary>
    private static async Task<bool> IntactAsync(NpgsqlConnection conn, string schema, string name, Note note, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        if (note.Rows == 0) return true;
        await using var cmd = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {Sql.Table(schema, name)} WHERE rn = 1)", conn, tx);
        try { return (bool)(await cmd.ExecuteScalarAsync(ct))!; }
        // Dropped since it was found (an edit elsewhere, or more maps than kept).
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable && tx is null) { return false; }
    }

    private static async Task<Note?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT to_regclass(@m) IS NOT NULL, obj_description(to_regclass(@m), 'pg_class')", conn, tx);
        cmd.Parameters.AddWithValue("m", Sql.Table(schema, name));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return r.GetBoolean(0) && Parse(r.IsDBNull(1) ? null : r.GetString(1)) is { Edits: >= 0 } note ? note : null;
    }

    // A map's table and its note are made in one transaction, so a table without a readable note is not a map to read: it
    // counts as the oldest version, which the next build of the table drops.
    private static Note Parse(string? text)
    {
        try { return text is null ? Note.Unknown : JsonSerializer.Deserialize<Note>(text) ?? Note.Unknown; }
        catch (JsonException) { return Note.Unknown; }
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 600 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // By table first, so a table's maps are found by name (and the whole name stays far below PostgreSQL's 63 bytes).
    private static string TablePrefix(string table) => Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(table)))[..8] + "_";

    private sealed record Listed(string Name, Note Note);

    // Set: the hash of the filter and order without the version (none on maps from before). Base: the version of the map
    // this one was made from, none when it was built from the table.
    private sealed record Note(long Edits, long Rows, long Built, string? Set = null, long? Base = null)
    {
        public static readonly Note Unknown = new(-1, 0, 0);
    }
}
