using Npgsql;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 3 (feature 5): records of a table from all its sources merged by primary key, <c>__c{i}</c> → <c>__m{i}</c>.
/// SourcePriority keeps the first record of each key (lowest <c>_row</c>: highest-priority source, first extracted);
/// RemoveConflicting drops every record whose key occurs more than once; Regenerate keeps all and gives every record
/// after the first a new key, recorded in <c>_key_changes</c>. A record with an empty key is dropped.
/// </summary>
internal sealed class MergeStep : IPipelineStep
{
    public PipelineStep Step => PipelineStep.Merge;

    public async Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct)
    {
        await ctx.ExecAsync($"""
            CREATE TABLE IF NOT EXISTS {ctx.T(StagingLayout.KeyChanges)} (
                table_name text NOT NULL, row_id bigint NOT NULL, column_name text NOT NULL, old_key text NOT NULL, new_key text NOT NULL);
            DELETE FROM {ctx.T(StagingLayout.Rejects)} WHERE step = @step;
            DELETE FROM {ctx.T(StagingLayout.KeyChanges)};
            """, ct, ("step", PipelineStep.Merge.ToString()));
        // First the keys that occur more than once, found by grouping each table, on side
        // connections; the same pass tells whether any record has no key (its group is kept too), so the table is
        // searched for them only when there are some. Meanwhile the step's connection counts the tables and files the
        // records without a key of tables whose duplicates are regenerated.
        var tables = ctx.Task.Tables;
        var tableIn = new long[tables.Count];
        var emptyKeys = new long[tables.Count];
        var dups = new string?[tables.Count];
        Task<long> RejectEmptyAsync(NpgsqlConnection c, int i, string key, CancellationToken t) =>
            RejectFiling.MoveAsync(c, ctx, PipelineStep.Merge, tables[i], ctx.T(StepContext.Work("c", i)), "", Empty(tables[i], key, "s"), "'PrimaryKey'", "@key",
                "@key || ' is empty'", t, ("key", key));
        await SideConnections.RunAsync(ctx.Connection, ctx.Side, ct,
            async (c, t) =>
            {
                for (var i = 0; i < tables.Count; i++)
                {
                    tableIn[i] = await ctx.CountAsync(StepContext.Work("c", i), t, c);
                    await StepContext.ExecAsync(c, $"DROP TABLE IF EXISTS {ctx.T(StepContext.Work("m", i))}", t);
                    if (tables[i] is { PrimaryKey: { } key, MergeStrategy: MergeStrategy.Regenerate }) emptyKeys[i] = await RejectEmptyAsync(c, i, key, t);
                }
            },
            [.. tables.Select((table, i) => table.PrimaryKey is { } key && table.MergeStrategy != MergeStrategy.Regenerate
                ? async (NpgsqlConnection c, CancellationToken t) =>
                {
                    var d = ctx.T(StepContext.Scratch());
                    // Grouped by sorting, not hashing: a hash table of millions of keys is built by one process, where
                    // the sort of them runs in parallel (docs/benchmarks.md).
                    await StepContext.ExecAsync(c, $"""
                        SET LOCAL enable_hashagg = off;
                        CREATE UNLOGGED TABLE {d} {Sql.Working} AS SELECT s.{Sql.Ident(key)} AS _key, min(_row) AS _first, count(*) AS _n FROM {ctx.T(StepContext.Work("c", i))} s
                        GROUP BY s.{Sql.Ident(key)} HAVING count(*) > 1 OR {Empty(table, key, "s")};
                        SET LOCAL enable_hashagg = on;
                        ANALYZE {d};
                        """, t);
                    dups[i] = d;
                }
                : (Func<NpgsqlConnection, CancellationToken, Task>?)null)]);
        for (var i = 0; i < tables.Count; i++)
        {
            if (dups[i] is not { } d || tables[i].PrimaryKey is not { } key) continue;
            // Their deletion comes first: a record without a key is filed as such, not as a duplicate.
            if (await StepContext.ExecScalarAsync(ctx.Connection, $"SELECT count(*) FROM {d} s WHERE {Empty(tables[i], key, "s", "_key")}", ct) > 0)
                emptyKeys[i] = await RejectEmptyAsync(ctx.Connection, i, key, ct);
        }

        var outputs = new List<StepOutput>();
        for (var i = 0; i < tables.Count; i++)
        {
            var removed = emptyKeys[i] + await MergeAsync(ctx, tables[i], i, dups[i], ct);
            ctx.Counts.Set(StepContext.Work("m", i), tableIn[i] - removed);
            outputs.Add(StepOutput.Dropping(tableIn[i], removed));
        }
        return StepOutput.Sum(outputs);
    }

    /// <summary>
    /// Merges the records of one table, <c>__c{i}</c> → <c>__m{i}</c>, whose records without a key are filed already and
    /// whose duplicate keys are in <paramref name="dups"/>; returns how many records the merge dropped.
    /// </summary>
    private static async Task<long> MergeAsync(StepContext ctx, ResolvedTable table, int i, string? dups, CancellationToken ct)
    {
        var source = ctx.T(StepContext.Work("c", i));
        var targetName = StepContext.Work("m", i);
        if (table.PrimaryKey is not { } key)
        {
            await ctx.ExecAsync($"ALTER TABLE {source} RENAME TO {Sql.Ident(targetName)}", ct);
            return 0;
        }
        var pk = Sql.Ident(key);
        if (table.MergeStrategy == MergeStrategy.Regenerate)
        {
            var target = ctx.T(targetName);
            await RegenerateAsync(ctx, table, key, table.Columns.First(c => c.Name == key).Type, source, target, ct);
            await ctx.ExecAsync($"DROP TABLE {source}; ALTER TABLE {target} ADD PRIMARY KEY ({pk})", ct);
            return 0;
        }

        // The records that go are deleted from the cleaned table, which then becomes the merged one: usually few
        // go, and deleting them costs far less than writing every record that stays into a new table.
        var (d, k) = (dups!, ("key", (object?)key));
        var merged = table.MergeStrategy == MergeStrategy.SourcePriority
            ? await RejectFiling.MoveAsync(ctx.Connection, ctx, PipelineStep.Merge, table, source, $"JOIN {d} d ON d._key = s.{pk}", "s._row <> d._first",
                "'SourcePriority'", "@key", $"@key || ' ' || s.{pk}::text || ' also came from a source of higher priority (record ' || d._first || ' kept)'", ct, k)
            : await RejectFiling.MoveAsync(ctx.Connection, ctx, PipelineStep.Merge, table, source, $"JOIN {d} d ON d._key = s.{pk}", "true",
                "'RemoveConflicting'", "@key", $"@key || ' ' || s.{pk}::text || ' occurs ' || d._n || ' times'", ct, k);
        await ctx.ExecAsync($"DROP TABLE {d}; ALTER TABLE {source} RENAME TO {Sql.Ident(targetName)}", ct);
        return merged;
    }

    /// <summary>The condition for a record without a key (alias <paramref name="s"/>, the key in <paramref name="column"/>): NULL, or an empty string.</summary>
    private static string Empty(ResolvedTable table, string key, string s, string? column = null)
    {
        var pk = $"{s}.{Sql.Ident(column ?? key)}";
        return table.Columns.First(c => c.Name == key).Type == FieldType.String ? $"({pk} IS NULL OR {pk} = '')" : $"{pk} IS NULL";
    }

    private static async Task RegenerateAsync(StepContext ctx, ResolvedTable table, string key, FieldType keyType,
        string source, string target, CancellationToken ct)
    {
        var pk = Sql.Ident(key);
        var ranked = $"SELECT s.*, row_number() OVER (PARTITION BY {pk} ORDER BY _row) AS _rn FROM {source} s";
        // Integers continue after the table's largest key; strings get the record's number as a suffix (a clash fails the primary key).
        var newKey = keyType switch
        {
            FieldType.Integer => $"(SELECT coalesce(max({pk}), 0) FROM {source}) + row_number() OVER (ORDER BY _row)",
            FieldType.String => $"{pk} || '~' || _row",
            _ => throw new PipelineFailure(PipelineStep.Merge, $"Regenerate needs an Integer or String key; '{table.Name}.{key}' is {keyType}."),
        };
        await ctx.ExecAsync($"""
            CREATE UNLOGGED TABLE {target} {Sql.Working} AS
            WITH r AS ({ranked}),
                 renamed AS (SELECT _row, {newKey} AS _new FROM r WHERE _rn > 1)
            SELECT r._row, r._src, {string.Join(", ", table.Columns.Select(c => c.Name == key ? $"coalesce(renamed._new, r.{pk}) AS {pk}" : "r." + Sql.Ident(c.Name)))},
                   CASE WHEN renamed._row IS NOT NULL THEN r.{pk}::text END AS _old
            FROM r LEFT JOIN renamed ON renamed._row = r._row
            """, ct);
        await ctx.ExecAsync($"""
            INSERT INTO {ctx.T(StagingLayout.KeyChanges)} (table_name, row_id, column_name, old_key, new_key)
            SELECT @table, _row, @key, _old, {pk}::text FROM {target} WHERE _old IS NOT NULL;
            ALTER TABLE {target} DROP COLUMN _old;
            """, ct, ("table", table.Name), ("key", key));
    }
}
