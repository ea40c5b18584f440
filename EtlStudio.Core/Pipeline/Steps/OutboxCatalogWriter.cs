using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>Writes the staging catalog of outbox tables (<see cref="StagingLayout.Catalog"/>); <c>Outbox.OutboxCatalog</c> reads it.</summary>
internal static class OutboxCatalogWriter
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal static Task AddAsync(StepContext ctx, OutboxTable t, CancellationToken ct) =>
        ctx.ExecAsync($"""
            INSERT INTO {ctx.T(StagingLayout.Catalog)} (table_name, ordinal, columns, primary_key, source_table)
            VALUES (@name, @ordinal, @columns::jsonb, @pk, @source)
            """, ct, ("name", t.Name), ("ordinal", t.Ordinal), ("columns", JsonSerializer.Serialize(t.Columns, Json)),
            ("pk", t.PrimaryKey), ("source", t.SourceTable));
}
