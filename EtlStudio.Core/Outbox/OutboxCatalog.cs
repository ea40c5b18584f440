using System.Text.Json;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>Reads a run's outbox catalog (<see cref="StagingLayout.Catalog"/>); types come from here, never from the task.</summary>
internal static class OutboxCatalog
{
    /// <summary>The outbox tables in order, or an empty list when the schema or its catalog does not exist (yet or any more).</summary>
    public static async Task<IReadOnlyList<OutboxTable>> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", conn, tx))
        {
            exists.Parameters.AddWithValue("t", Sql.Table(schema, StagingLayout.Catalog));
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return [];
        }
        await using var cmd = new NpgsqlCommand(
            $"SELECT table_name, ordinal, columns::text, primary_key, source_table FROM {Sql.Table(schema, StagingLayout.Catalog)} ORDER BY ordinal, table_name", conn, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var tables = new List<OutboxTable>();
        while (await r.ReadAsync(ct))
        {
            var columns = JsonSerializer.Deserialize<List<StoredColumn>>(r.GetString(2), Json) ?? [];
            tables.Add(new OutboxTable(r.GetString(0), r.GetInt32(1),
                columns.Select(c => new OutboxColumn(c.Name, Enum.Parse<FieldType>(c.Type, ignoreCase: true))).ToList(),
                r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));
        }
        return tables;
    }

    public static async Task<OutboxTable> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, string table, CancellationToken ct) =>
        (await ReadAsync(conn, tx, schema, ct)).FirstOrDefault(t => t.Name == table)
        ?? throw Common.DomainException.NotFound("Outbox table", table);

    public static async Task<long> CountAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {Sql.Table(schema, table)}", conn, tx);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record StoredColumn(string Name, string Type);
}
