using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 3 (feature 5): records of a table from all its sources merged by primary key, <c>__c{i}</c> → <c>__m{i}</c>.
/// SourcePriority keeps the first record of each key (lowest <c>_row</c>: highest-priority source, first extracted);
/// RemoveConflicting drops every record whose key occurs more than once; Regenerate keeps all and gives every record
/// after the first a new key, recorded in <c>_key_changes</c>. A record with an empty key is dropped.
/// </summary>
internal static class MergeStep
{
    public static async Task<StepResult> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        long rowsIn = 0, rowsOut = 0, rejected = 0;
        await ctx.ExecAsync($"""
            CREATE TABLE IF NOT EXISTS {ctx.T(StagingLayout.KeyChanges)} (
                table_name text NOT NULL, row_id bigint NOT NULL, column_name text NOT NULL, old_key text NOT NULL, new_key text NOT NULL);
            DELETE FROM {ctx.T(StagingLayout.Rejects)} WHERE step = 'Merge';
            DELETE FROM {ctx.T(StagingLayout.KeyChanges)};
            """, ct);
        for (var i = 0; i < ctx.Task.Tables.Count; i++)
        {
            var table = ctx.Task.Tables[i];
            var sourceName = StepContext.Work("c", i);
            var source = ctx.T(sourceName);
            var target = ctx.T(StepContext.Work("m", i));
            rowsIn += await ctx.CountAsync(sourceName, ct);
            await ctx.ExecAsync($"DROP TABLE IF EXISTS {target}", ct);
            if (table.PrimaryKey is not { } key)
            {
                await ctx.ExecAsync($"ALTER TABLE {source} RENAME TO {Sql.Ident(StepContext.Work("m", i))}", ct);
                rowsOut += await ctx.CountAsync(StepContext.Work("m", i), ct);
                continue;
            }
            var pk = Sql.Ident(key);
            var keyType = table.Columns.First(c => c.Name == key).Type;
            var empty = keyType == FieldType.String ? $"({pk} IS NULL OR {pk} = '')" : $"{pk} IS NULL";
            var ranked = $"""
                SELECT s.*, row_number() OVER w AS _rn, count(*) OVER (PARTITION BY {pk}) AS _n, first_value(_row) OVER w AS _first
                FROM {source} s WHERE NOT {empty} WINDOW w AS (PARTITION BY {pk} ORDER BY _row)
                """;
            var p = ("table", (object?)table.Name);
            rejected += await ctx.ExecAsync($"""
                INSERT INTO {ctx.T(StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record)
                SELECT 'Merge', @table, 'PrimaryKey', @key, @key || ' is empty', _row, {FieldRuleStep.RecordJson("s")} FROM {source} s WHERE {empty}
                """, ct, p, ("key", key));
            var columns = string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)));
            // Keys that occur more than once, found by hashing rather than sorting the table: usually few.
            var dups = ctx.T(StepContext.Work("d", i));
            if (table.MergeStrategy != MergeStrategy.Regenerate)
                await ctx.ExecAsync($"""
                    DROP TABLE IF EXISTS {dups};
                    CREATE UNLOGGED TABLE {dups} AS SELECT {pk} AS _key, min(_row) AS _first, count(*) AS _n FROM {source}
                    WHERE NOT {empty} GROUP BY {pk} HAVING count(*) > 1;
                    ANALYZE {dups};
                    """, ct);
            switch (table.MergeStrategy)
            {
                case MergeStrategy.SourcePriority:
                    rejected += await ctx.ExecAsync($"""
                        INSERT INTO {ctx.T(StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record)
                        SELECT 'Merge', @table, 'SourcePriority', @key,
                               @key || ' ' || s.{pk}::text || ' also came from a source of higher priority (record ' || d._first || ' kept)', s._row, {FieldRuleStep.RecordJson("s")}
                        FROM {source} s JOIN {dups} d ON d._key = s.{pk} WHERE s._row <> d._first
                        """, ct, p, ("key", key));
                    await ctx.ExecAsync($"""
                        CREATE TABLE {target} AS SELECT _row, _src, {columns} FROM {source} s
                        WHERE NOT {empty} AND NOT EXISTS (SELECT 1 FROM {dups} d WHERE d._key = s.{pk} AND s._row <> d._first)
                        """, ct);
                    break;
                case MergeStrategy.RemoveConflicting:
                    rejected += await ctx.ExecAsync($"""
                        INSERT INTO {ctx.T(StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record)
                        SELECT 'Merge', @table, 'RemoveConflicting', @key, @key || ' ' || s.{pk}::text || ' occurs ' || d._n || ' times', s._row, {FieldRuleStep.RecordJson("s")}
                        FROM {source} s JOIN {dups} d ON d._key = s.{pk}
                        """, ct, p, ("key", key));
                    await ctx.ExecAsync($"""
                        CREATE TABLE {target} AS SELECT _row, _src, {columns} FROM {source} s
                        WHERE NOT {empty} AND NOT EXISTS (SELECT 1 FROM {dups} d WHERE d._key = s.{pk})
                        """, ct);
                    break;
                case MergeStrategy.Regenerate:
                    await RegenerateAsync(ctx, table, key, keyType, ranked, source, target, ct);
                    break;
            }
            await ctx.ExecAsync($"DROP TABLE IF EXISTS {source}; DROP TABLE IF EXISTS {dups}; ALTER TABLE {target} ADD PRIMARY KEY ({pk})", ct);
            rowsOut += await ctx.CountAsync(StepContext.Work("m", i), ct);
        }
        return new StepResult(PipelineStep.Merge, rowsIn, rowsOut, rejected, DateTimeOffset.UtcNow - started);
    }

    private static async Task RegenerateAsync(StepContext ctx, ResolvedTable table, string key, FieldType keyType, string ranked,
        string source, string target, CancellationToken ct)
    {
        var pk = Sql.Ident(key);
        // Integers continue after the table's largest key; strings get the record's number as a suffix (a clash fails the primary key).
        var newKey = keyType switch
        {
            FieldType.Integer => $"(SELECT coalesce(max({pk}), 0) FROM {source}) + row_number() OVER (ORDER BY _row)",
            FieldType.String => $"{pk} || '~' || _row",
            _ => throw new PipelineFailure(PipelineStep.Merge, $"Regenerate needs an Integer or String key; '{table.Name}.{key}' is {keyType}."),
        };
        await ctx.ExecAsync($"""
            CREATE TABLE {target} AS
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
