using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>Writes and reads the staging catalog of outbox tables (<see cref="StagingLayout.Catalog"/>).</summary>
public static class OutboxCatalog
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal static Task AddAsync(StepContext ctx, OutboxTable t, CancellationToken ct) =>
        ctx.ExecAsync($"""
            INSERT INTO {ctx.T(StagingLayout.Catalog)} (table_name, ordinal, columns, primary_key, source_table)
            VALUES (@name, @ordinal, @columns::jsonb, @pk, @source)
            """, ct, ("name", t.Name), ("ordinal", t.Ordinal), ("columns", JsonSerializer.Serialize(t.Columns, Json)),
            ("pk", t.PrimaryKey), ("source", t.SourceTable));

    /// <summary>The outbox tables of a run, in order.</summary>
    public static async Task<IReadOnlyList<OutboxTable>> ReadAsync(Npgsql.NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        await using var cmd = new Npgsql.NpgsqlCommand(
            $"SELECT table_name, ordinal, columns::text, primary_key, source_table FROM {Sql.Table(schema, StagingLayout.Catalog)} ORDER BY ordinal, table_name", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<OutboxTable>();
        while (await reader.ReadAsync(ct))
            list.Add(new OutboxTable(reader.GetString(0), reader.GetInt32(1),
                JsonSerializer.Deserialize<List<OutboxColumn>>(reader.GetString(2), Json)!,
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        return list;
    }
}
