using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EtlStudio.Core.Pipeline;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Page maps: the rows of one filtered, sorted page set numbered once, as <c>(rn bigint PRIMARY KEY, _row bigint)</c>, so a
/// jump to any page is a range lookup on the map's key instead of an OFFSET scan over every earlier row, and the map's
/// row count is the page's total. A map belongs to one (run, table, edits version, filter with its values, order); an edit
/// bumps the version in its transaction, so the next filtered page builds a new map and none made before the edit is read.
/// Maps live in the run's staging schema as <c>_pm_…</c> (a leading <c>_</c> marks engine tables, which no reader takes
/// for outbox tables: those come from the catalog), so dropping the schema drops them.
/// </summary>
internal static class OutboxPageMaps
{
    private const string Prefix = "_pm_";

    // Each map of a table costs 16 bytes a row plus its key; a handful covers the filters one review moves between.
    private const int KeepPerTable = 8;

    public sealed record PageMap(string Name, long Rows);

    /// <summary>The map for this page set, built (in one transaction, never seen half-made) when there is none yet.</summary>
    public static async Task<PageMap> FindOrBuildAsync(NpgsqlConnection conn, Guid runId, string schema, OutboxTable table, OutboxSql sql, long edits, CancellationToken ct)
    {
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
        var row = Sql.Ident(StagingLayout.RowId);
        // A table of this name without a readable note is not a finished map (see Parse); it goes.
        await ExecAsync(conn, tx, $"DROP TABLE IF EXISTS {map}", ct);
        // Unlogged: a map is a cache, rebuilt from the table whenever it is missing, so its writes need no WAL. After a server
        // crash PostgreSQL empties an unlogged table but keeps it (and its note); IntactAsync tells such a map from a whole one.
        // CREATE TABLE AS rather than CREATE and INSERT: it writes in bulk, a quarter faster on 180,000 rows.
        await using (var fill = new NpgsqlCommand($"CREATE UNLOGGED TABLE {map} (rn, {row}) AS {sql.MapRows(Sql.Table(schema, table.Name))}", conn, tx) { CommandTimeout = 600 })
        {
            foreach (var p in sql.Parameters) fill.Parameters.Add(p.Clone());
            await fill.ExecuteNonQueryAsync(ct);
        }
        await ExecAsync(conn, tx, $"ALTER TABLE {map} ADD PRIMARY KEY (rn)", ct);
        // The last row number is the count (Npgsql reports no row count for CREATE TABLE AS); the key answers it at once.
        long rows;
        await using (var last = new NpgsqlCommand($"SELECT coalesce(max(rn), 0) FROM {map}", conn, tx)) rows = (long)(await last.ExecuteScalarAsync(ct))!;
        var note = JsonSerializer.Serialize(new Note(edits, rows, DateTime.UtcNow.Ticks));
        // COMMENT takes no parameters; the note is JSON of three numbers, so it holds no quote to escape.
        await ExecAsync(conn, tx, $"COMMENT ON TABLE {map} IS '{note}'", ct);
        await DropObsoleteAsync(conn, tx, schema, table.Name, name, edits, ct);
        await tx.CommitAsync(ct);
        return new(name, rows);
    }

    /// <summary>Maps of older versions of the table go (never read again), and the least recently built beyond the limit.</summary>
    private static async Task DropObsoleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string table, string current, long edits, CancellationToken ct)
    {
        var maps = new List<(string Name, Note Note)>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @s AND c.relkind = 'r' AND starts_with(c.relname, @p)
            """, conn, tx))
        {
            list.Parameters.AddWithValue("s", schema);
            list.Parameters.AddWithValue("p", TablePrefix(table));
            await using var r = await list.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                if (r.GetString(0) != current) maps.Add((r.GetString(0), Parse(r.IsDBNull(1) ? null : r.GetString(1))));
        }
        var kept = maps.Where(m => m.Note.Edits >= edits).OrderByDescending(m => m.Note.Built).Take(KeepPerTable - 1).Select(m => m.Name).ToHashSet();
        // In name order, so two builders dropping the same maps take their locks in one order and cannot deadlock.
        foreach (var m in maps.Select(m => m.Name).Where(n => !kept.Contains(n)).Order(StringComparer.Ordinal))
            await ExecAsync(conn, tx, $"DROP TABLE IF EXISTS {Sql.Table(schema, m)}", ct);
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

    private sealed record Note(long Edits, long Rows, long Built)
    {
        public static readonly Note Unknown = new(-1, 0, 0);
    }
}
