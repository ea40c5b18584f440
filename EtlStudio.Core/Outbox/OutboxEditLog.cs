using EtlStudio.Core.Pipeline;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Which rows each edit of an outbox table changed: <c>(table_name, version, row_id)</c> in the run's staging schema, written
/// in the edit's transaction with the edits version it bumped. A page map of an earlier version is brought up to date from
/// it (<see cref="OutboxPageMaps"/>) instead of being built again from the whole table. Logged, unlike the maps: it is the
/// record of what changed, not a cache. A leading <c>_</c> marks an engine table, which no reader takes for an outbox
/// table (those come from the catalog); it goes with the schema.
/// </summary>
internal static class OutboxEditLog
{
    public const string Name = "_edited";

    /// <summary>Notes the rows one edit changed (added, edited or deleted) under the version the edit bumped the table to.</summary>
    public static async Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string table, long version, IReadOnlyCollection<long> rowIds, CancellationToken ct)
    {
        if (rowIds.Count == 0) return;
        var log = Sql.Table(schema, Name);
        if (!await ExistsAsync(conn, tx, schema, ct))
        {
            // Two first edits of a run's tables at once: CREATE TABLE IF NOT EXISTS alone can still fail on the catalog's unique
            // index when both create together, so the second waits here until the first commits, then finds the table.
            await using (var lockKey = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended(@k, 0))", conn, tx))
            {
                lockKey.Parameters.AddWithValue("k", log);
                await lockKey.ExecuteNonQueryAsync(ct);
            }
            await using var create = new NpgsqlCommand($"""
                CREATE TABLE IF NOT EXISTS {log} (table_name text NOT NULL, version bigint NOT NULL, row_id bigint NOT NULL);
                CREATE INDEX IF NOT EXISTS {Sql.Ident(Name + "_version")} ON {log} (table_name, version);
                """, conn, tx);
            await create.ExecuteNonQueryAsync(ct);
        }
        await using var insert = new NpgsqlCommand($"INSERT INTO {log} (table_name, version, row_id) SELECT @t, @v, unnest(@rows)", conn, tx);
        insert.Parameters.AddWithValue("t", table);
        insert.Parameters.AddWithValue("v", version);
        insert.Parameters.Add(new NpgsqlParameter("rows", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rowIds.ToArray() });
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>How many distinct rows edits after <paramref name="since"/> changed, as far as committed now (none without a log).</summary>
    /// <summary>
    /// How many rows changed after version <paramref name="since"/>, and whether the log holds every version up to
    /// <paramref name="upTo"/> (every edit logs at least one row; a gap means an edit the log does not know, say from a
    /// node of an older release during a rolling update, so the map must be built from the table).
    /// </summary>
    public static async Task<(long Rows, bool Complete)> CountSinceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string table, long since, long upTo, CancellationToken ct)
    {
        if (!await ExistsAsync(conn, tx, schema, ct)) return (0, upTo <= since);
        await using var cmd = new NpgsqlCommand($"""
            SELECT count(DISTINCT row_id), count(DISTINCT version) FILTER (WHERE version <= @upTo)
            FROM {Sql.Table(schema, Name)} WHERE table_name = @t AND version > @since
            """, conn, tx);
        cmd.Parameters.AddWithValue("t", table);
        cmd.Parameters.AddWithValue("since", since);
        cmd.Parameters.AddWithValue("upTo", upTo);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), r.GetInt64(1) == upTo - since);
    }

    public static async Task<bool> ExistsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", conn, tx);
        cmd.Parameters.AddWithValue("t", Sql.Table(schema, Name));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
