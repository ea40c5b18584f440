using EtlStudio.Core.Common;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// The WHERE and ORDER BY of an outbox page, built from the catalog: only catalog columns can be named, identifiers are
/// quoted, values are typed parameters. Ordering always ends with the row id so pages are stable.
/// </summary>
internal sealed class OutboxSql
{
    public string Where { get; }
    public string OrderBy { get; }
    public OutboxColumn? SortColumn { get; }
    public bool Descending { get; }
    public IReadOnlyList<(OutboxColumn Column, OutboxFilterOp Op)> FilterColumns { get; }
    public IReadOnlyList<NpgsqlParameter> Parameters { get; }

    /// <summary>The filter's text with its values: equal keys mean the same set of rows (used to cache counts and key page maps).</summary>
    // Each value is prefixed by its length: joined by a separator alone, ["a\u0001", "b"] and ["a", "\u0001b"] would be one key.
    public string CacheKey => Where + string.Concat(Parameters.Select(p => OutboxValues.Format(p.Value is DBNull ? null : p.Value) is { } v ? $"\u0001{v.Length}:{v}" : "\u0001-"));

    // The filter's conditions without the WHERE ("true" without a filter), for queries that add conditions of their own.
    private readonly string _condition;

    private OutboxSql(IReadOnlyList<string> conditions, string orderBy, OutboxColumn? sortColumn, bool descending, IReadOnlyList<(OutboxColumn, OutboxFilterOp)> filterColumns, IReadOnlyList<NpgsqlParameter> parameters)
    {
        (OrderBy, SortColumn, Descending, FilterColumns, Parameters) = (orderBy, sortColumn, descending, filterColumns, parameters);
        Where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        _condition = conditions.Count == 0 ? "true" : string.Join(" AND ", conditions);
    }

    public static OutboxSql Build(OutboxTable table, OutboxQuery query)
    {
        var problems = new List<ValidationProblem>();
        var parameters = new List<NpgsqlParameter>();
        var conditions = new List<string>();
        var filtered = new List<(OutboxColumn, OutboxFilterOp)>();
        OutboxColumn? Column(string name, string path)
        {
            var c = table.Columns.FirstOrDefault(x => x.Name == name);
            if (c is null) problems.Add(new(path, $"Table '{table.Name}' has no column '{name}'."));
            return c;
        }
        string? Param(OutboxColumn c, string? text, string path, FieldType? asType = null)
        {
            var type = asType ?? c.Type;
            if (!OutboxValues.TryParse(c.Name, type, text, out var value, out var error)) { problems.Add(new(path, error!)); return null; }
            if (value is null) { problems.Add(new(path, $"The filter on '{c.Name}' needs a value.")); return null; }
            var name = "p" + parameters.Count;
            parameters.Add(OutboxValues.Parameter(name, type, value));
            return "@" + name;
        }

        var filters = query.Filters ?? [];
        for (var i = 0; i < filters.Count; i++)
        {
            var f = filters[i];
            var path = $"filters[{i}]";
            if (Column(f.Column, path) is not { } c) continue;
            var col = Sql.Ident(c.Name);
            string? condition = f.Op switch
            {
                OutboxFilterOp.Equals => Param(c, f.Value, path) is { } p ? $"{col} = {p}" : null,
                OutboxFilterOp.NotEquals => Param(c, f.Value, path) is { } p ? $"{col} IS DISTINCT FROM {p}" : null,
                OutboxFilterOp.LessThan => Param(c, f.Value, path) is { } p ? $"{col} < {p}" : null,
                OutboxFilterOp.LessOrEqual => Param(c, f.Value, path) is { } p ? $"{col} <= {p}" : null,
                OutboxFilterOp.GreaterThan => Param(c, f.Value, path) is { } p ? $"{col} > {p}" : null,
                OutboxFilterOp.GreaterOrEqual => Param(c, f.Value, path) is { } p ? $"{col} >= {p}" : null,
                OutboxFilterOp.Between => Between(c, col, f, path),
                // Text search works on any type through its text form, which is what the user sees.
                OutboxFilterOp.Contains => Param(c, Like(f.Value), path, FieldType.String) is { } p ? $"{Text(c, col)} ILIKE '%' || {p} || '%'" : null,
                OutboxFilterOp.StartsWith => Param(c, Like(f.Value), path, FieldType.String) is { } p ? $"{Text(c, col)} ILIKE {p} || '%'" : null,
                OutboxFilterOp.IsEmpty => c.Type == FieldType.String ? $"({col} IS NULL OR {col} = '')" : $"{col} IS NULL",
                OutboxFilterOp.IsNotEmpty => c.Type == FieldType.String ? $"({col} IS NOT NULL AND {col} <> '')" : $"{col} IS NOT NULL",
                _ => null,
            };
            if (condition is not null) { conditions.Add(condition); filtered.Add((c, f.Op)); }
            else if (!Enum.IsDefined(f.Op)) problems.Add(new(path, $"Unknown filter operation {f.Op}."));
        }

        OutboxColumn? sort = null;
        if (!string.IsNullOrEmpty(query.OrderBy) && query.OrderBy != StagingLayout.RowId) sort = Column(query.OrderBy, "orderBy");
        ValidationException.ThrowIfAny(problems);

        var dir = query.Descending ? "DESC" : "ASC";
        var order = sort is null ? $"{Sql.Ident(StagingLayout.RowId)} {dir}" : $"{Sql.Ident(sort.Name)} {dir}, {Sql.Ident(StagingLayout.RowId)} {dir}";
        return new OutboxSql(conditions, "ORDER BY " + order, sort, query.Descending, filtered, parameters);

        string? Between(OutboxColumn c, string col, OutboxFilter f, string path)
        {
            if (string.IsNullOrWhiteSpace(f.Value) && string.IsNullOrWhiteSpace(f.Value2)) { problems.Add(new(path, $"The range on '{c.Name}' needs a lower or an upper bound.")); return null; }
            var parts = new List<string>();
            if (!string.IsNullOrWhiteSpace(f.Value) && Param(c, f.Value, path) is { } lo) parts.Add($"{col} >= {lo}");
            if (!string.IsNullOrWhiteSpace(f.Value2) && Param(c, f.Value2, path) is { } hi) parts.Add($"{col} <= {hi}");
            return parts.Count == 0 ? null : "(" + string.Join(" AND ", parts) + ")";
        }
    }

    /// <summary>
    /// The page query. Without a cursor: ORDER BY … LIMIT … OFFSET. With one: a seek past the cursor on (sort column, row id),
    /// which the (column, _row) index answers directly; nulls (last when ascending, first when descending) are a second part.
    /// </summary>
    public (string Sql, IReadOnlyList<NpgsqlParameter> Parameters) Page(string from, string columns, OutboxQuery query)
    {
        var paging = query.Paging;
        var select = $"{Sql.Ident(StagingLayout.RowId)}{(columns.Length > 0 ? ", " + columns : "")}";
        if (query.After is not { } after) return ($"SELECT {select} FROM {from} {Where} {OrderBy} LIMIT {paging.SafeSize} OFFSET {paging.Skip}", Parameters);

        var parameters = Parameters.ToList();
        var row = Sql.Ident(StagingLayout.RowId);
        var dir = query.Descending ? "DESC" : "ASC";
        var cmp = query.Descending ? "<" : ">";
        string And(string condition) => (Where.Length == 0 ? "WHERE " : Where + " AND ") + condition;
        parameters.Add(new NpgsqlParameter("after_row", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = after.RowId });
        var parts = new List<(string Where, string Order)>();
        if (SortColumn is not { } c) parts.Add((And($"{row} {cmp} @after_row"), $"{row} {dir}"));
        else
        {
            var col = Sql.Ident(c.Name);
            if (!OutboxValues.TryParse(c.Name, c.Type, after.SortValue, out var value, out var error)) throw new ValidationException("after", error!);
            var byValue = $"{col} {dir}, {row} {dir}";
            if (value is not null) parameters.Add(OutboxValues.Parameter("after_value", c.Type, value));
            (string, string) Seek() => (And($"({col}, {row}) {cmp} (@after_value, @after_row)"), byValue);
            (string, string) Nulls(string extra) => (And($"{col} IS NULL{extra}"), $"{row} {dir}");
            if (!query.Descending && value is not null) parts.AddRange([Seek(), Nulls("")]);
            else if (!query.Descending) parts.Add(Nulls($" AND {row} > @after_row"));
            else if (value is not null) parts.Add(Seek());
            else parts.AddRange([Nulls($" AND {row} < @after_row"), (And($"{col} IS NOT NULL"), byValue)]);
        }
        var union = string.Join(" UNION ALL ", parts.Select((p, i) => $"(SELECT {i} AS _part, {select} FROM {from} {p.Where} ORDER BY {p.Order} LIMIT {paging.SafeSize})"));
        var order = SortColumn is { } s ? $"_part, {Sql.Ident(s.Name)} {dir}, {row} {dir}" : $"_part, {row} {dir}";
        return ($"SELECT {select} FROM ({union}) page ORDER BY {order} LIMIT {paging.SafeSize}", parameters);
    }

    /// <summary>
    /// The columns of a page map (<see cref="OutboxPageMaps"/>): the row number, a copy of the sort value (so the map can be put
    /// in order again without the table), the row id. Without a sort column the row id is the order, and there is no copy.
    /// </summary>
    public string MapColumns => SortColumn is null ? $"rn, {Sql.Ident(StagingLayout.RowId)}" : $"rn, s, {Sql.Ident(StagingLayout.RowId)}";

    /// <summary>The rows of a page map: the filtered rows numbered 1, 2, … in exactly this page order, as <see cref="MapColumns"/>.</summary>
    public string MapRows(string from) =>
        $"SELECT row_number() OVER ({OrderBy}), {(SortColumn is { } c ? Sql.Ident(c.Name) + ", " : "")}{Sql.Ident(StagingLayout.RowId)} FROM {from} {Where}";

    /// <summary>
    /// The rows of a page map made from an earlier one (<paramref name="previous"/>, of <c>@rows</c> rows, up to date with
    /// version <c>@since</c>) and the rows edits after it changed (<paramref name="edited"/>, <see cref="OutboxEditLog"/>, for
    /// table <c>@edited_table</c>), read again from the table: the same rows in the same order as <see cref="MapRows"/>, without
    /// scanning or sorting the table. Each changed row that still matches the filter is placed by a binary search on the earlier
    /// map's row numbers (which are in page order); every earlier row that was not changed keeps its place, shifted by the
    /// changed rows taken out and put in before it, in one pass over the earlier map.
    /// One statement, so the changed rows and their new values are read in one snapshot (see OutboxPageMaps for why).
    /// </summary>
    public string MapRowsSince(string from, string previous, string edited)
    {
        var row = Sql.Ident(StagingLayout.RowId);
        // m sorts strictly before b, exactly as ORDER BY sorts: nulls last ascending and first descending (the default), ties
        // by row id in the same direction. The row comparison uses the same btree operators (and collation) as ORDER BY.
        var (lt, v) = (Descending ? ">" : "<", SortColumn is null ? "" : "s, ");
        var before = SortColumn is null ? $"m.{row} {lt} b.{row}"
            : Descending
                ? $"CASE WHEN b.s IS NULL THEN m.s IS NULL AND m.{row} {lt} b.{row} WHEN m.s IS NULL THEN true ELSE (m.s, m.{row}) {lt} (b.s, b.{row}) END"
                : $"CASE WHEN m.s IS NULL THEN b.s IS NULL AND m.{row} {lt} b.{row} WHEN b.s IS NULL THEN true ELSE (m.s, m.{row}) {lt} (b.s, b.{row}) END";
        var dir = Descending ? "DESC" : "ASC";
        var order = SortColumn is null ? $"{row} {dir}" : $"s {dir}, {row} {dir}";
        return $"""
            WITH RECURSIVE
            dirty AS MATERIALIZED (SELECT DISTINCT row_id FROM {edited} WHERE table_name = @edited_table AND version > @since),
            fresh AS MATERIALIZED (
                SELECT {(SortColumn is { } c ? $"t.{Sql.Ident(c.Name)} AS s, " : "")}t.{row} FROM {from} t WHERE t.{row} IN (SELECT row_id FROM dirty) AND ({_condition})),
            -- Invariant: the earlier map's row lo sorts before b (or lo = 0), its row hi does not (or hi = @rows + 1).
            search ({v}{row}, lo, hi) AS (
                SELECT {v}{row}, 0::bigint, @rows + 1 FROM fresh
                UNION ALL
                SELECT {(SortColumn is null ? "" : "b.s, ")}b.{row}, CASE WHEN c.before THEN m.rn ELSE b.lo END, CASE WHEN c.before THEN b.hi ELSE m.rn END
                FROM search b JOIN {previous} m ON m.rn = (b.lo + b.hi) / 2 CROSS JOIN LATERAL (SELECT {before}) c(before)
                WHERE b.hi - b.lo > 1),
            -- Each changed row goes right after the earlier row "after"; j numbers them all in page order.
            placed AS MATERIALIZED (SELECT {v}{row}, lo AS after, row_number() OVER (ORDER BY lo, {order}) AS j FROM search WHERE hi - lo <= 1),
            removed AS MATERIALIZED (SELECT m.rn FROM {previous} m WHERE m.{row} IN (SELECT row_id FROM dirty)),
            -- Earlier rows after position "at" move by d: -1 for each one taken out there, +1 for each changed row put in there.
            events AS MATERIALIZED (SELECT at, sum(d) AS d FROM (SELECT rn AS at, -1 AS d FROM removed UNION ALL SELECT after, 1 FROM placed) e GROUP BY at),
            -- Positions in order, and the shift of the earlier rows after each (c[1] = 0: those before the first).
            shifts AS (SELECT coalesce(array_agg(at ORDER BY at), ARRAY[]::bigint[]) AS at, array_prepend(0::bigint, coalesce(array_agg(c ORDER BY at), ARRAY[]::bigint[])) AS c
                       FROM (SELECT at, (sum(d) OVER (ORDER BY at))::bigint AS c FROM events) e),
            -- A changed row's number: the earlier rows up to its place, less those taken out up to there, plus j.
            gone AS (SELECT *, sum(1 - kind) OVER (ORDER BY after, kind ROWS UNBOUNDED PRECEDING) AS taken
                     FROM (SELECT {v}{row}, after, j, 1 AS kind FROM placed UNION ALL SELECT {(SortColumn is null ? "" : "NULL, ")}NULL, rn, NULL, 0 FROM removed) e)
            -- An earlier row that was not changed moves by the shift of the last position before it (width_bucket: a binary search).
            SELECT m.rn + sh.c[width_bucket(m.rn - 1, sh.at) + 1], {(SortColumn is null ? "" : "m.s, ")}m.{row} FROM {previous} m, shifts sh
            WHERE m.{row} NOT IN (SELECT row_id FROM dirty)
            UNION ALL
            SELECT after - taken + j, {v}{row} FROM gone WHERE kind = 1
            """;
    }

    /// <summary>
    /// The page read through a page map: the map's row numbers after the rows skipped, joined to the table by row id. Columns
    /// are qualified, so a table column named like the map's <c>rn</c> cannot be ambiguous.
    /// </summary>
    public static (string Sql, IReadOnlyList<NpgsqlParameter> Parameters) MapPage(string from, string map, OutboxTable table, PageRequest paging)
    {
        var row = Sql.Ident(StagingLayout.RowId);
        var columns = string.Concat(table.Columns.Select(c => ", t." + Sql.Ident(c.Name)));
        // As long: page × size can pass int.MaxValue.
        var skip = (long)(paging.SafePage - 1) * paging.SafeSize;
        return ($"SELECT t.{row}{columns} FROM {map} m JOIN {from} t ON t.{row} = m.{row} WHERE m.rn > @skip AND m.rn <= @last ORDER BY m.rn LIMIT {paging.SafeSize}",
        [
            new NpgsqlParameter("skip", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = skip },
            new NpgsqlParameter("last", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = skip + paging.SafeSize },
        ]);
    }

    private static string Text(OutboxColumn c, string col) => c.Type == FieldType.String ? col : col + "::text";

    // ILIKE treats % and _ as wildcards; a user searching for "50%" means the characters.
    private static string? Like(string? value) => value?.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
