using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 7: the result becomes the outbox. Tables the transformations made are typed (types outside ours become text)
/// and numbered (<c>_row</c>) and join the catalog; every outbox table becomes logged (it must outlive a server
/// crash, unlike the working tables) and gets its <c>_row</c> key; leftovers of earlier steps go; statistics are
/// refreshed so the outbox grid pages quickly.
/// </summary>
internal static class OutboxStep
{
    public static async Task<StepResult> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var ordinal = ctx.Task.Tables.Count;
        var existing = (await Outbox.OutboxCatalog.ReadAsync(ctx.Connection, ctx.Transaction, ctx.Schema, ct)).Select(t => t.Name).ToHashSet();
        foreach (var target in ctx.Task.Transformations.Where(t => t.Type == TransformationType.Merge).Select(t => t.TargetTable!).Distinct())
        {
            if (existing.Contains(target)) continue;
            var columns = await ColumnsAsync(ctx, target, ct);
            var typed = columns.Where(c => c.Name != StagingLayout.RowId)
                .Select(c => new OutboxColumn(c.Name, FieldTypeOf(c.Type) ?? (c.Type is "numeric" or "real" ? FieldType.Double : FieldType.String))).ToList();
            // One logged write: typed, and numbered afresh (a script's own _row, say copied with SELECT *, need not be unique).
            var scratch = ctx.T("__o" + Guid.NewGuid().ToString("N"));
            var select = typed.Select(c => $", {Sql.Ident(c.Name)}::{Sql.TypeOf(c.Type)} AS {Sql.Ident(c.Name)}");
            await ctx.ExecAsync($"""
                CREATE TABLE {scratch} {Sql.Working} AS SELECT row_number() OVER () AS {Sql.Ident(StagingLayout.RowId)}{string.Concat(select)} FROM {ctx.T(target)};
                DROP TABLE {ctx.T(target)};
                ALTER TABLE {scratch} RENAME TO {Sql.Ident(target)};
                """, ct);
            await OutboxCatalogWriter.AddAsync(ctx, new OutboxTable(target, ordinal++, typed, null, null), ct);
        }
        long rows = 0;
        foreach (var t in await Outbox.OutboxCatalog.ReadAsync(ctx.Connection, ctx.Transaction, ctx.Schema, ct))
        {
            rows += await ctx.CountAsync(t.Name, ct);
            // Logged first: SET LOGGED rewrites the table, and would rebuild an index made before it.
            await ctx.ExecAsync($"ALTER TABLE {ctx.T(t.Name)} SET LOGGED", ct);
            if (!await HasPrimaryKeyAsync(ctx, t.Name, ct)) await ctx.ExecAsync($"ALTER TABLE {ctx.T(t.Name)} ADD PRIMARY KEY ({Sql.Ident(StagingLayout.RowId)})", ct);
            await ctx.ExecAsync($"ANALYZE {ctx.T(t.Name)}; {Sql.AutovacuumOn(ctx.T(t.Name))}", ct);
        }
        await using (var cmd = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = @s AND tablename LIKE '\\_\\_%'", ctx.Connection, ctx.Transaction))
        {
            cmd.Parameters.AddWithValue("s", ctx.Schema);
            var leftovers = new List<string>();
            await using (var r = await cmd.ExecuteReaderAsync(ct)) while (await r.ReadAsync(ct)) leftovers.Add(r.GetString(0));
            foreach (var l in leftovers) await ctx.ExecAsync($"DROP TABLE {ctx.T(l)}", ct);
        }
        await ctx.ExecAsync($"{StagingLayout.RejectsIndexSql(ctx.Schema)}; {Sql.AutovacuumOn(ctx.T(StagingLayout.Rejects))}", ct);
        return new StepResult(PipelineStep.Outbox, rows, rows, 0, DateTimeOffset.UtcNow - started);
    }

    private static async Task<bool> HasPrimaryKeyAsync(StepContext ctx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = to_regclass(@t) AND indisprimary)", ctx.Connection, ctx.Transaction);
        cmd.Parameters.AddWithValue("t", ctx.T(table));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<(string Name, string Type)>> ColumnsAsync(StepContext ctx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a
            WHERE a.attrelid = to_regclass(@t) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, ctx.Connection, ctx.Transaction);
        cmd.Parameters.AddWithValue("t", ctx.T(table));
        var list = new List<(string, string)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    private static FieldType? FieldTypeOf(string pgType) => pgType switch
    {
        "bigint" or "integer" or "smallint" => FieldType.Integer,
        "double precision" => FieldType.Double,
        "text" or "character varying" or "character" => FieldType.String,
        "boolean" => FieldType.Boolean,
        "date" => FieldType.Date,
        "timestamp with time zone" or "timestamp without time zone" => FieldType.DateTime,
        _ => null,
    };
}
