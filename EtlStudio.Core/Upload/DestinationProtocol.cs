using System.Text.Json;
using EtlStudio.Core.Pipeline;
using Npgsql;

namespace EtlStudio.Core.Upload;

/// <summary>
/// A PostgreSQL data module's own record of its versions and how to read them: immutable tables
/// <c>{view}_v{n}</c>, views <c>{view}</c> over the current version, and <c>etl_datamodule_versions</c> keyed by run id,
/// which is what makes a resumed upload publish exactly once. Changes run under one advisory lock per destination.
/// </summary>
internal static class DestinationProtocol
{
    public const string VersionsTable = "etl_datamodule_versions";
    public const string ProgressTable = "etl_upload_tables";

    // Arbitrary constant: serialises uploads and "make current" on one destination database.
    private const long LockKey = 0x45544C55504C4F44; // "ETLUPLOD"

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ViewName(string? prefix, string table) => string.IsNullOrEmpty(prefix) ? table : prefix + "_" + table;

    public static string TargetName(string? prefix, string table, int version) => ViewName(prefix, table) + "_v" + version;

    /// <summary>Takes the destination's lock (held until <paramref name="conn"/> closes or <see cref="UnlockAsync"/>) and creates the bookkeeping tables.</summary>
    public static async Task LockAndPrepareAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await ExecAsync(conn, null, "SELECT pg_advisory_lock(" + LockKey + ")", ct);
        await ExecAsync(conn, null, $"""
            CREATE TABLE IF NOT EXISTS {VersionsTable} (
                version    integer PRIMARY KEY,
                run_id     uuid NOT NULL UNIQUE,
                tables     jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                is_current boolean NOT NULL DEFAULT false
            );
            CREATE TABLE IF NOT EXISTS {ProgressTable} (
                run_id     uuid NOT NULL,
                table_name text NOT NULL,
                target     text NOT NULL,
                rows       bigint NOT NULL,
                PRIMARY KEY (run_id, table_name)
            );
            """, ct);
    }

    public static Task UnlockAsync(NpgsqlConnection conn, CancellationToken ct) => ExecAsync(conn, null, "SELECT pg_advisory_unlock(" + LockKey + ")", ct);

    /// <summary>The version this run already published, if its publishing transaction committed.</summary>
    public static async Task<PublishedVersion?> FindByRunAsync(NpgsqlConnection conn, Guid runId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT version, tables::text FROM {VersionsTable} WHERE run_id = @run", conn);
        cmd.Parameters.AddWithValue("run", runId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new PublishedVersion(r.GetInt32(0), JsonSerializer.Deserialize<List<PublishedTable>>(r.GetString(1), Json) ?? []) : null;
    }

    public static async Task<int> MaxVersionAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {VersionsTable}", conn);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Tables of this run already written completely (by an earlier, interrupted attempt).</summary>
    public static async Task<Dictionary<string, PublishedTable>> ProgressAsync(NpgsqlConnection conn, Guid runId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT table_name, target, rows FROM {ProgressTable} WHERE run_id = @run", conn);
        cmd.Parameters.AddWithValue("run", runId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var done = new Dictionary<string, PublishedTable>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct)) done[r.GetString(0)] = new PublishedTable(r.GetString(0), r.GetString(1), r.GetInt64(2));
        return done;
    }

    public static async Task RecordProgressAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid runId, PublishedTable table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            INSERT INTO {ProgressTable} (run_id, table_name, target, rows) VALUES (@run, @table, @target, @rows)
            ON CONFLICT (run_id, table_name) DO UPDATE SET target = excluded.target, rows = excluded.rows
            """, conn, tx);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("table", table.Name);
        cmd.Parameters.AddWithValue("target", table.Target);
        cmd.Parameters.AddWithValue("rows", table.Rows);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Inside <paramref name="tx"/>: records the version and points the views at its tables.</summary>
    public static async Task PublishAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int version, Guid runId, IReadOnlyList<PublishedTable> tables, CancellationToken ct)
    {
        await using (var insert = new NpgsqlCommand($"INSERT INTO {VersionsTable} (version, run_id, tables) VALUES (@v, @run, @tables::jsonb)", conn, tx))
        {
            insert.Parameters.AddWithValue("v", version);
            insert.Parameters.AddWithValue("run", runId);
            insert.Parameters.AddWithValue("tables", JsonSerializer.Serialize(tables, Json));
            await insert.ExecuteNonQueryAsync(ct);
        }
        await PointViewsAsync(conn, tx, version, tables, ct);
    }

    /// <summary>Inside <paramref name="tx"/>: makes an earlier version current again. Returns its tables, or null when it does not exist.</summary>
    public static async Task<PublishedVersion?> MakeCurrentAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int version, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT tables::text FROM {VersionsTable} WHERE version = @v", conn, tx);
        cmd.Parameters.AddWithValue("v", version);
        if (await cmd.ExecuteScalarAsync(ct) is not string json) return null;
        var tables = JsonSerializer.Deserialize<List<PublishedTable>>(json, Json) ?? [];
        await PointViewsAsync(conn, tx, version, tables, ct);
        return new PublishedVersion(version, tables);
    }

    private static async Task PointViewsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int version, IReadOnlyList<PublishedTable> tables, CancellationToken ct)
    {
        // Views of the version being replaced that the new one lacks would keep serving stale data: drop them.
        await using (var current = new NpgsqlCommand($"SELECT tables::text FROM {VersionsTable} WHERE is_current", conn, tx))
        {
            if (await current.ExecuteScalarAsync(ct) is string json)
                foreach (var old in JsonSerializer.Deserialize<List<PublishedTable>>(json, Json) ?? [])
                    if (tables.All(t => t.Name != old.Name)) await ExecAsync(conn, tx, $"DROP VIEW IF EXISTS {Sql.Ident(old.View ?? old.Name)}", ct);
        }
        // DROP + CREATE rather than CREATE OR REPLACE: a new version may have different columns.
        foreach (var t in tables)
            await ExecAsync(conn, tx, $"DROP VIEW IF EXISTS {Sql.Ident(t.View ?? t.Name)}; CREATE VIEW {Sql.Ident(t.View ?? t.Name)} AS SELECT * FROM {Sql.Ident(t.Target)}", ct);
        await using var mark = new NpgsqlCommand($"UPDATE {VersionsTable} SET is_current = (version = @v)", conn, tx);
        mark.Parameters.AddWithValue("v", version);
        await mark.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
