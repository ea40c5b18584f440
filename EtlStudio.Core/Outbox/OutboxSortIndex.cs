using System.Security.Cryptography;
using System.Text;
using EtlStudio.Core.Pipeline;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Creates an index on (column, row id) the first time a large outbox table is sorted by that column, so later pages
/// are an index scan instead of a sort of the whole table. Small tables sort fast enough without one.
/// </summary>
internal static class OutboxSortIndex
{
    // By size, not by row estimate: a freshly copied table has no statistics yet.
    private const long MinBytes = 1 << 20;

    public static async Task EnsureAsync(NpgsqlConnection conn, string schema, string table, string column, CancellationToken ct)
    {
        var name = "ox_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(table + "\0" + column)))[..24];
        await using (var check = new NpgsqlCommand("""
            SELECT pg_relation_size(c.oid), to_regclass(@index) IS NOT NULL
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relname = @table
            """, conn))
        {
            check.Parameters.AddWithValue("index", Sql.Table(schema, name));
            check.Parameters.AddWithValue("schema", schema);
            check.Parameters.AddWithValue("table", table);
            await using var r = await check.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct) || r.GetBoolean(1) || r.GetInt64(0) < MinBytes) return;
        }
        try
        {
            await using var create = new NpgsqlCommand(
                $"CREATE INDEX IF NOT EXISTS {Sql.Ident(name)} ON {Sql.Table(schema, table)} ({Sql.Ident(column)}, {Sql.Ident(StagingLayout.RowId)})", conn);
            create.CommandTimeout = 600;
            await create.ExecuteNonQueryAsync(ct);
        }
        // Two readers sorting at once may both try; the loser's error means the index is there.
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation) { }
    }
}
