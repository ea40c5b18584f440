using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 7: the result becomes the outbox. Tables the transformations made are typed (types outside ours become text)
/// and numbered (<c>_row</c>), unless the transformation step wrote them so already, and join the catalog; every
/// outbox table becomes logged (it must outlive a server crash, unlike the working tables) and gets its <c>_row</c>
/// key; leftovers of earlier steps go; statistics are refreshed so the outbox grid pages quickly.
/// </summary>
internal sealed class OutboxStep : IPipelineStep
{
    public PipelineStep Step => PipelineStep.Outbox;

    public async Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct)
    {
        // The tables earlier steps committed are made logged, keyed and analyzed each on a connection of its own, beside
        // the others and beside the typing of the transformations' tables (each is a serial rewrite or index build:
        // one core); the rejects' index too. That commits apart from the step, which is safe because a retry finds it
        // done: SET LOGGED of a logged table does nothing, an existing key or index is kept. The tables this
        // transaction writes are seen by it alone, so they are finished on its connection, which touches none of the
        // others meanwhile.
        var committed = await Outbox.OutboxCatalog.ReadAsync(ctx.Connection, ctx.Transaction, ctx.Schema, ct);
        var known = committed.Select(t => ctx.Counts.TryGet(t.Name, out var n) ? n : (long?)null).ToArray();
        var rows = new long[committed.Count];
        var typed = new List<(string Name, long Rows)>();
        await SideConnections.RunAsync(ctx.Connection, ctx.Side, ct,
            async (c, t) =>
            {
                foreach (var target in await TypeTransformedAsync(ctx, committed.Select(x => x.Name).ToHashSet(), t))
                    typed.Add((target, await PublishAsync(c, ctx.T(target), ctx.Counts.TryGet(target, out var n) ? n : null, t)));
                await DropLeftoversAsync(ctx, t);
            },
            [.. committed.Select((table, i) => (Func<NpgsqlConnection, CancellationToken, Task>)(async (c, t) => rows[i] = await PublishAsync(c, ctx.T(table.Name), known[i], t))),
             // The earlier steps filed every reject; the index is made once, like the keys (IF NOT EXISTS: a retry finds it).
             (c, t) => StepContext.ExecAsync(c, $"{StagingLayout.RejectsIndexSql(ctx.Schema)}; {Sql.AutovacuumOn(ctx.T(StagingLayout.Rejects))}", t)]);
        for (var i = 0; i < committed.Count; i++) ctx.Counts.Set(committed[i].Name, rows[i]);
        foreach (var (name, n) in typed) ctx.Counts.Set(name, n);
        var total = rows.Sum() + typed.Sum(x => x.Rows);
        return new StepOutput(total, total, 0);
    }

    /// <summary>
    /// Types and numbers the tables the transformations made that the catalog does not hold yet, and lists them in it;
    /// returns their names.
    /// </summary>
    private static async Task<List<string>> TypeTransformedAsync(StepContext ctx, HashSet<string> listed, CancellationToken ct)
    {
        var ordinal = ctx.Task.Tables.Count;
        var typedTables = new List<string>();
        foreach (var target in ctx.Task.Transformations.Where(t => t.Type == TransformationType.Merge).Select(t => t.TargetTable!).Distinct())
        {
            if (listed.Contains(target)) continue;
            var table = ctx.T(target);
            var typed = Published(await ColumnsAsync(ctx.Connection, ctx.Transaction, table, ct));
            // The transformation step wrote it so when no Update script could change it after (TransformStep).
            if (!await IsNumberedAsync(ctx, table, ct))
            {
                // One logged write: typed, and numbered afresh (a script's own _row, say copied with SELECT *, need not be unique).
                var scratch = ctx.T("__o" + Guid.NewGuid().ToString("N"));
                await ctx.ExecAsync($"{NumberedSql(scratch, typed, table)}; DROP TABLE {table}; ALTER TABLE {scratch} RENAME TO {Sql.Ident(target)};", ct);
            }
            await OutboxCatalogWriter.AddAsync(ctx, new OutboxTable(target, ordinal++, typed, null, null), ct);
            typedTables.Add(target);
        }
        return typedTables;
    }

    /// <summary>Makes <paramref name="table"/> logged, gives it its <c>_row</c> key and statistics; returns its rows (counted unless <paramref name="known"/>).</summary>
    private static async Task<long> PublishAsync(NpgsqlConnection conn, string table, long? known, CancellationToken ct)
    {
        var rows = known ?? await StepContext.ExecScalarAsync(conn, $"SELECT count(*) FROM {table}", ct);
        // Logged first: SET LOGGED rewrites the table, and would rebuild an index made before it.
        await StepContext.ExecAsync(conn, $"ALTER TABLE {table} SET LOGGED", ct);
        await KeyAsync(conn, table, ct);
        await StepContext.ExecAsync(conn, $"ANALYZE {table}; {Sql.AutovacuumOn(table)}", ct);
        return rows;
    }

    /// <summary>Gives <paramref name="table"/> its <c>_row</c> key unless it has one (made by an earlier attempt, or beside the transformations).</summary>
    internal static async Task KeyAsync(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        if (!await HasPrimaryKeyAsync(conn, table, ct)) await StepContext.ExecAsync(conn, $"ALTER TABLE {table} ADD PRIMARY KEY ({Sql.Ident(StagingLayout.RowId)})", ct);
    }

    /// <summary>Drops what earlier steps left in the schema (<c>__</c>…).</summary>
    private static async Task DropLeftoversAsync(StepContext ctx, CancellationToken ct)
    {
        var leftovers = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = @s AND tablename LIKE '\\_\\_%'", ctx.Connection, ctx.Transaction))
        {
            cmd.Parameters.AddWithValue("s", ctx.Schema);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) leftovers.Add(r.GetString(0));
        }
        foreach (var l in leftovers) await ctx.ExecAsync($"DROP TABLE {ctx.T(l)}", ct);
    }

    private static async Task<bool> HasPrimaryKeyAsync(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = to_regclass(@t) AND indisprimary)", conn);
        cmd.Parameters.AddWithValue("t", table);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The comment on a transformation's table written typed and numbered, as published.</summary>
    internal const string NumberedMarker = "EtlStudio: typed and numbered";

    private static async Task<bool> IsNumberedAsync(StepContext ctx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT obj_description(to_regclass(@t), 'pg_class') IS NOT DISTINCT FROM @m", ctx.Connection, ctx.Transaction);
        cmd.Parameters.AddWithValue("t", table);
        cmd.Parameters.AddWithValue("m", NumberedMarker);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A transformation's columns as published: all but <c>_row</c>, each of its type or, for types outside ours, text (numbers double).</summary>
    internal static IReadOnlyList<OutboxColumn> Published(IEnumerable<(string Name, string Type)> columns) =>
        columns.Where(c => c.Name != StagingLayout.RowId)
            .Select(c => new OutboxColumn(c.Name, FieldTypeOf(c.Type) ?? (c.Type is "numeric" or "real" ? FieldType.Double : FieldType.String))).ToList();

    /// <summary>
    /// Creates <paramref name="target"/> (logged) from <paramref name="source"/> (a table or a parenthesized query)
    /// with <paramref name="typed"/> cast to their types, numbered <c>_row</c> from 1.
    /// </summary>
    internal static string NumberedSql(string target, IReadOnlyList<OutboxColumn> typed, string source) =>
        $"CREATE TABLE {target} {Sql.Working} AS SELECT row_number() OVER () AS {Sql.Ident(StagingLayout.RowId)}"
        + string.Concat(typed.Select(c => $", _q.{Sql.Ident(c.Name)}::{Sql.TypeOf(c.Type)} AS {Sql.Ident(c.Name)}")) + $" FROM {source} _q";

    internal static async Task<List<(string Name, string Type)>> ColumnsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a
            WHERE a.attrelid = to_regclass(@t) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, conn, tx);
        cmd.Parameters.AddWithValue("t", table);
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
