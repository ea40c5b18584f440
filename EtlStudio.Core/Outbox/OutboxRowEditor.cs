using EtlStudio.Core.Common;
using EtlStudio.Core.Pipeline;
using Npgsql;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Applies row changes to one outbox table inside the caller's transaction: parses values to the catalog types,
/// checks the primary key and the task's range rules, and returns the row (as text) before and after for the audit.
/// </summary>
internal sealed class OutboxRowEditor(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, OutboxTable table, RunPlan plan)
{
    private readonly string _from = Sql.Table(schema, table.Name);
    private readonly string _row = Sql.Ident(StagingLayout.RowId);
    private bool _locked;

    public async Task<(long RowId, Dictionary<string, string?>? Before, Dictionary<string, string?>? After)> ApplyAsync(RowChange change, string path, CancellationToken ct)
    {
        switch (change.Kind)
        {
            case RowChangeKind.Add:
            {
                var values = Parse(change.Values ?? new Dictionary<string, string?>(), path, forAdd: true);
                // Adds take the next row id; the lock keeps two concurrent adds from taking the same one.
                if (!_locked) { await ExecAsync($"LOCK TABLE {_from} IN SHARE ROW EXCLUSIVE MODE", ct); _locked = true; }
                await CheckKeyAsync(values, null, path, ct);
                await using var next = Command($"SELECT coalesce(max({_row}), 0) + 1 FROM {_from}");
                var rowId = (long)(await next.ExecuteScalarAsync(ct))!;
                var names = table.Columns.Select(c => Sql.Ident(c.Name)).Prepend(_row);
                await using var insert = Command($"INSERT INTO {_from} ({string.Join(", ", names)}) VALUES (@row{string.Concat(table.Columns.Select((_, i) => $", @v{i}"))})");
                insert.Parameters.AddWithValue("row", rowId);
                for (var i = 0; i < table.Columns.Count; i++)
                    insert.Parameters.Add(OutboxValues.Parameter("v" + i, table.Columns[i].Type, values.GetValueOrDefault(table.Columns[i].Name)));
                await insert.ExecuteNonQueryAsync(ct);
                return (rowId, null, Text(values));
            }
            case RowChangeKind.Edit:
            {
                var rowId = change.RowId ?? throw new ValidationException(path + "rowId", "Which row to edit is required.");
                var before = await ReadAsync(rowId, path, ct);
                var values = Parse(change.Values ?? new Dictionary<string, string?>(), path, forAdd: false);
                if (values.Count == 0) throw new ValidationException(path + "values", "Nothing to change.");
                await CheckKeyAsync(values, rowId, path, ct);
                var assigned = values.Keys.ToList();
                await using var update = Command($"UPDATE {_from} SET {string.Join(", ", assigned.Select((c, i) => $"{Sql.Ident(c)} = @v{i}"))} WHERE {_row} = @row");
                update.Parameters.AddWithValue("row", rowId);
                for (var i = 0; i < assigned.Count; i++)
                    update.Parameters.Add(OutboxValues.Parameter("v" + i, table.Columns.First(c => c.Name == assigned[i]).Type, values[assigned[i]]));
                await update.ExecuteNonQueryAsync(ct);
                var after = new Dictionary<string, object?>(before);
                foreach (var (k, v) in values) after[k] = v;
                return (rowId, Text(before), Text(after));
            }
            case RowChangeKind.Delete:
            {
                var rowId = change.RowId ?? throw new ValidationException(path + "rowId", "Which row to delete is required.");
                var before = await ReadAsync(rowId, path, ct);
                await using var delete = Command($"DELETE FROM {_from} WHERE {_row} = @row");
                delete.Parameters.AddWithValue("row", rowId);
                await delete.ExecuteNonQueryAsync(ct);
                return (rowId, Text(before), null);
            }
            default:
                throw new ValidationException(path + "kind", $"Unknown change {change.Kind}.");
        }
    }

    private Dictionary<string, object?> Parse(IReadOnlyDictionary<string, string?> input, string path, bool forAdd)
    {
        var problems = new List<ValidationProblem>();
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, text) in input)
        {
            var column = table.Columns.FirstOrDefault(c => c.Name == name);
            if (column is null) { problems.Add(new($"{path}values[{name}]", $"Table '{table.Name}' has no column '{name}'.")); continue; }
            if (!OutboxValues.TryParse(name, column.Type, text, out var value, out var error)) { problems.Add(new($"{path}values[{name}]", error!)); continue; }
            if (value is not null && plan.RangeRule(table.SourceTable ?? table.Name, name) is { } rule && rule.FieldType == column.Type)
            {
                OutboxValues.TryParse(name, column.Type, rule.MinValue, out var min, out _);
                OutboxValues.TryParse(name, column.Type, rule.MaxValue, out var max, out _);
                if ((min is not null && OutboxValues.Compare(value, min) < 0) || (max is not null && OutboxValues.Compare(value, max) > 0))
                    problems.Add(new($"{path}values[{name}]",
                        $"Column '{name}' must be between {rule.MinValue ?? "-∞"} and {rule.MaxValue ?? "∞"} (the task's range rule); {text} is outside."));
            }
            values[name] = value;
        }
        if (table.PrimaryKey is { } pk && (forAdd || values.ContainsKey(pk)) && values.GetValueOrDefault(pk) is null)
            problems.Add(new($"{path}values[{pk}]", $"Column '{pk}' is the primary key and cannot be empty."));
        ValidationException.ThrowIfAny(problems);
        return values;
    }

    private async Task CheckKeyAsync(Dictionary<string, object?> values, long? rowId, string path, CancellationToken ct)
    {
        if (table.PrimaryKey is not { } pk || values.GetValueOrDefault(pk) is not { } key) return;
        var column = table.Columns.First(c => c.Name == pk);
        await using var cmd = Command($"SELECT {_row} FROM {_from} WHERE {Sql.Ident(pk)} = @key AND {_row} IS DISTINCT FROM @row LIMIT 1");
        cmd.Parameters.Add(OutboxValues.Parameter("key", column.Type, key));
        cmd.Parameters.Add(new NpgsqlParameter("row", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)rowId ?? DBNull.Value });
        if (await cmd.ExecuteScalarAsync(ct) is long other)
            throw new ValidationException($"{path}values[{pk}]", $"Column '{pk}' is the primary key; {OutboxValues.Format(key)} is already used by row {other}.");
    }

    private async Task<Dictionary<string, object?>> ReadAsync(long rowId, string path, CancellationToken ct)
    {
        var columns = string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)).Prepend(_row));
        await using var cmd = Command($"SELECT {columns} FROM {_from} WHERE {_row} = @row FOR UPDATE");
        cmd.Parameters.AddWithValue("row", rowId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) throw DomainException.NotFound($"Row of {table.Name}", rowId);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < table.Columns.Count; i++) values[table.Columns[i].Name] = OutboxValues.Read(r, i + 1, table.Columns[i].Type);
        return values;
    }

    private static Dictionary<string, string?> Text(Dictionary<string, object?> values) => values.ToDictionary(p => p.Key, p => OutboxValues.Format(p.Value));

    private NpgsqlCommand Command(string sql) => new(sql, conn, tx);

    private async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = Command(sql);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
