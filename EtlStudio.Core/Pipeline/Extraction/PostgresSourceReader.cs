using System.Runtime.CompilerServices;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// Runs an extraction query on a PostgreSQL source in a read-only transaction with a statement timeout and streams
/// its rows, each aligned to the table's columns by name (case-insensitive; unknown columns ignored, missing ones null).
/// </summary>
internal static class PostgresSourceReader
{
    /// <summary>
    /// Copies the source's rows into the staging COPY <paramref name="copy"/> (columns: source number, the table's
    /// columns, the two bad-value columns) as binary COPY output straight to binary COPY input, when every column the
    /// source gives has the table's type or converts to it without fail. Returns false, having read nothing, when it
    /// does not; the caller then converts record by record.
    /// </summary>
    public static async Task<bool> TryCopyAsync(SourceRequest source, int sourceNumber, NpgsqlConnection staging, string copy, CancellationToken ct)
    {
        await using var conn = await OpenAsync(source, ct);
        await using var tx = await BeginAsync(conn, source, ct);
        var sql = Body(source);
        var fields = new List<(string Name, string Type)>();
        await using (var describe = new NpgsqlCommand($"SELECT * FROM ({sql}) AS _q LIMIT 0", conn, tx))
        {
            try
            {
                await using var reader = await describe.ExecuteReaderAsync(ct);
                for (var i = 0; i < reader.FieldCount; i++) fields.Add((reader.GetName(i), reader.GetDataTypeName(i)));
            }
            // A script that cannot be wrapped (several statements, say) is run as it is by the record-by-record path,
            // which also reports its errors.
            catch (PostgresException) { return false; }
        }
        var select = new string?[source.Columns.Count];
        var bad = new List<(string When, string Column, string Reason)>();
        foreach (var (name, type) in fields)
        {
            var c = source.ColumnIndex(name);
            if (c < 0) continue;
            // Two source columns for one table column: the record-by-record path decides which wins.
            if (select[c] is not null || Conversion(type, source.Columns[c].Type, $"_q.{Sql.Ident(name)}") is not { } conversion) return false;
            select[c] = conversion.Value;
            if (conversion.Bad is { } when) bad.Add((when, source.Columns[c].Name, conversion.Reason!));
        }
        for (var c = 0; c < select.Length; c++) select[c] ??= $"NULL::{Sql.TypeOf(source.Columns[c].Type)}";
        // A value that cannot be converted is noted as the record-by-record path notes it: the first such column and why.
        string Literal(string text) => "'" + text.Replace("'", "''") + "'";
        var badColumn = bad.Count == 0 ? "NULL::text" : "CASE " + string.Concat(bad.Select(b => $"WHEN {b.When} THEN {Literal(b.Column)} ")) + "END";
        var badReason = bad.Count == 0 ? "NULL::text" : "CASE " + string.Concat(bad.Select(b => $"WHEN {b.When} THEN {b.Reason} ")) + "END";
        var limit = source.Limit is { } n ? $" LIMIT {n}" : "";
        var query = $"SELECT {sourceNumber}::integer, {string.Join(", ", select)}, {badColumn}, {badReason} FROM ({sql}) AS _q{limit}";
        NpgsqlRawCopyStream reading;
        try { reading = await conn.BeginRawBinaryCopyAsync($"COPY ({query}) TO STDOUT (FORMAT BINARY)", ct); }
        catch (PostgresException pg) { throw Failed(source, pg); }
        await using (reading)
        {
            await using var writing = await staging.BeginRawBinaryCopyAsync(copy, ct);
            try { await reading.CopyToAsync(writing, ct); }
            catch (Exception e)
            {
                // Half a stream must not be taken for the whole: the import is abandoned, then the error goes up. The
                // source's COPY is cancelled on the server too, or closing it would first read the rest of its rows.
                await writing.CancelAsync();
                if (e is OperationCanceledException)
                    try { await reading.CancelAsync(); }
                    catch (Exception c) when (c is NpgsqlException or InvalidOperationException or NotSupportedException) { }
                if (e is PostgresException pg && pg.SqlState != PostgresErrorCodes.QueryCanceled) throw Failed(source, pg);
                throw;
            }
        }
        return true;
    }

    private sealed record Converted(string Value, string? Bad = null, string? Reason = null);

    /// <summary>
    /// How a source column of <paramref name="pgType"/> becomes the table's type inside the source's own query, giving
    /// what the record-by-record conversion gives: a cast that cannot fail, or for numeric a cast guarded against values
    /// no double holds (NaN, infinities, beyond its range), which are noted as bad. Null when only the record-by-record
    /// path can convert it (text to numbers, timestamps without zone, …).
    /// </summary>
    private static Converted? Conversion(string pgType, FieldType type, string column)
    {
        var cast = $"{column}::{Sql.TypeOf(type)}";
        return type switch
        {
            FieldType.Integer when pgType is "bigint" or "integer" or "smallint" => new(cast),
            FieldType.Double when pgType is "double precision" or "real" or "bigint" or "integer" or "smallint" => new(cast),
            // numeric orders NaN above every number, so one comparison finds NaN, the infinities and what overflows a double.
            FieldType.Double when pgType is "numeric" => new($"CASE WHEN abs({column}) > 1.7976931348623157e308 THEN NULL ELSE {cast} END",
                $"abs({column}) > 1.7976931348623157e308",
                $"CASE WHEN length({column}::text) <= 60 THEN {column}::text ELSE left({column}::text, 57) || '...' END || ' is not a number'"),
            FieldType.String when pgType is "text" or "character varying" => new(cast),
            FieldType.Boolean when pgType is "boolean" => new(cast),
            FieldType.Date when pgType is "date" => new(cast),
            FieldType.DateTime when pgType is "timestamp with time zone" => new(cast),
            _ => null,
        };
    }

    private static async Task<NpgsqlConnection> OpenAsync(SourceRequest source, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(source.Secret.Value) { ApplicationName = "EtlStudio extraction", Timeout = 15 };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        try { await conn.OpenAsync(ct); }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException or TimeoutException && !ct.IsCancellationRequested)
        {
            await conn.DisposeAsync();
            throw new PipelineFailure(PipelineStep.Extract, $"Source '{source.Name}' could not be reached: {SourceErrors.Describe(ex)}", ex);
        }
        return conn;
    }

    private static async Task<NpgsqlTransaction> BeginAsync(NpgsqlConnection conn, SourceRequest source, CancellationToken ct)
    {
        var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var setup = new NpgsqlCommand($"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(long)source.Timeout.TotalMilliseconds}", conn, tx))
            await setup.ExecuteNonQueryAsync(ct);
        return tx;
    }

    private static string Body(SourceRequest source) => source.Body.Trim().TrimEnd(';');

    public static async IAsyncEnumerable<object?[]> ReadAsync(SourceRequest source, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await OpenAsync(source, ct);
        await using var tx = await BeginAsync(conn, source, ct);
        var sql = Body(source);
        if (source.Limit is { } limit) sql = $"SELECT * FROM ({sql}) AS _sample LIMIT {limit}";
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        NpgsqlDataReader reader;
        try { reader = await cmd.ExecuteReaderAsync(ct); }
        catch (PostgresException pg) { throw Failed(source, pg); }
        await using (reader)
        {
            var map = new int[reader.FieldCount];
            for (var i = 0; i < map.Length; i++) map[i] = source.ColumnIndex(reader.GetName(i));
            while (true)
            {
                bool more;
                try { more = await reader.ReadAsync(ct); }
                catch (PostgresException pg) { throw Failed(source, pg); }
                if (!more) break;
                // Not sequential access: ReadAsync buffers the whole row, so reading its values does no I/O.
                var row = new object?[source.Columns.Count];
                for (var i = 0; i < map.Length; i++)
                    if (map[i] >= 0) row[map[i]] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                yield return row;
            }
        }
    }

    private static PipelineFailure Failed(SourceRequest source, PostgresException pg) =>
        new(PipelineStep.Extract, $"The extraction script for table '{source.Table}' failed on source '{source.Name}': {pg.MessageText}", pg);
}
