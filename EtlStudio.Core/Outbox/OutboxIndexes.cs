using System.Security.Cryptography;
using System.Text;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Indexes a large outbox table the first time it is sorted or filtered by a column: (column, row id) for sorting, equality
/// and ranges; a trigram index for "contains" and "starts with" on text when pg_trgm is available. Later pages are index
/// scans instead of passes over the whole table. Small tables are fast enough without.
/// </summary>
internal static class OutboxIndexes
{
    // By size, not by row estimate: a freshly copied table has no statistics yet.
    private const long MinBytes = 1 << 20;

    /// <summary>Whether the table is large enough for indexes and page maps (<see cref="OutboxPageMaps"/>) to pay off.</summary>
    public static async Task<bool> IsLargeAsync(NpgsqlConnection conn, string schema, string table, CancellationToken ct) =>
        await SizeAsync(conn, schema, table, ct) >= MinBytes;

    private static volatile bool _trigramsUnavailable;

    /// <summary>Creates the indexes the page needs; call it for large tables only (<see cref="IsLargeAsync"/>).</summary>
    public static async Task EnsureAsync(NpgsqlConnection conn, string schema, OutboxTable table, OutboxSql sql, CancellationToken ct)
    {
        if (sql.SortColumn is null && sql.FilterColumns.Count == 0) return;
        var btree = sql.FilterColumns.Where(f => f.Op is not (OutboxFilterOp.Contains or OutboxFilterOp.StartsWith)).Select(f => f.Column)
            .Concat(sql.SortColumn is { } s ? [s] : []).DistinctBy(c => c.Name);
        foreach (var c in btree)
            await CreateAsync(conn, $"ON {Sql.Table(schema, table.Name)} ({Sql.Ident(c.Name)}, {Sql.Ident(StagingLayout.RowId)})", Name(table.Name, c.Name, "b"), schema, ct);
        foreach (var c in sql.FilterColumns.Where(f => f.Op is OutboxFilterOp.Contains or OutboxFilterOp.StartsWith && f.Column.Type == FieldType.String).Select(f => f.Column).DistinctBy(c => c.Name))
        {
            if (_trigramsUnavailable) break;
            try
            {
                await using (var extension = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_trgm", conn)) await extension.ExecuteNonQueryAsync(ct);
                await CreateAsync(conn, $"ON {Sql.Table(schema, table.Name)} USING gin ({Sql.Ident(c.Name)} gin_trgm_ops)", Name(table.Name, c.Name, "t"), schema, ct);
            }
            // pg_trgm is a contrib extension an operator may not have installed; text search then scans, correctly but slower.
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedObject or PostgresErrorCodes.InsufficientPrivilege
                                                 or PostgresErrorCodes.FeatureNotSupported or PostgresErrorCodes.UndefinedFile)
            {
                _trigramsUnavailable = true;
            }
        }
    }

    private static async Task<long> SizeAsync(NpgsqlConnection conn, string schema, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT coalesce(pg_relation_size(to_regclass(@t)), 0)", conn);
        cmd.Parameters.AddWithValue("t", Sql.Table(schema, table));
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task CreateAsync(NpgsqlConnection conn, string definition, string name, string schema, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@i) IS NOT NULL", conn))
        {
            exists.Parameters.AddWithValue("i", Sql.Table(schema, name));
            if ((bool)(await exists.ExecuteScalarAsync(ct))!) return;
        }
        try
        {
            await using var create = new NpgsqlCommand($"CREATE INDEX IF NOT EXISTS {Sql.Ident(name)} {definition}", conn) { CommandTimeout = 600 };
            await create.ExecuteNonQueryAsync(ct);
        }
        // Two readers may both try; the loser's error means the index is there.
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation) { }
    }

    private static string Name(string table, string column, string kind) =>
        "ox" + kind + "_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(table + "\0" + column)))[..24];
}
