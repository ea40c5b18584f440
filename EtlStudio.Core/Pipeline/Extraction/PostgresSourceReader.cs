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
        foreach (var (name, type) in fields)
        {
            var c = source.ColumnIndex(name);
            if (c < 0) continue;
            // Two source columns for one table column: the record-by-record path decides which wins.
            if (select[c] is not null || !Converts(type, source.Columns[c].Type)) return false;
            select[c] = $"_q.{Sql.Ident(name)}::{Sql.TypeOf(source.Columns[c].Type)}";
        }
        for (var c = 0; c < select.Length; c++) select[c] ??= $"NULL::{Sql.TypeOf(source.Columns[c].Type)}";
        var limit = source.Limit is { } n ? $" LIMIT {n}" : "";
        var query = $"SELECT {sourceNumber}::integer, {string.Join(", ", select)}, NULL::text, NULL::text FROM ({sql}) AS _q{limit}";
        NpgsqlRawCopyStream reading;
        try { reading = await conn.BeginRawBinaryCopyAsync($"COPY ({query}) TO STDOUT (FORMAT BINARY)", ct); }
        catch (PostgresException pg) { throw Failed(source, pg); }
        await using (reading)
        {
            await using var writing = await staging.BeginRawBinaryCopyAsync(copy, ct);
            try { await reading.CopyToAsync(writing, ct); }
            catch (Exception e)
            {
                // Half a stream must not be taken for the whole: the import is abandoned, then the error goes up.
                await writing.CancelAsync();
                if (e is PostgresException pg && pg.SqlState != PostgresErrorCodes.QueryCanceled) throw Failed(source, pg);
                throw;
            }
        }
        return true;
    }

    /// <summary>
    /// Source types whose values become the column's type by a cast that cannot fail and gives what the record-by-record
    /// conversion gives. Others (numeric, text to numbers, timestamps without zone, …) take the record-by-record path.
    /// </summary>
    private static bool Converts(string pgType, FieldType type) => type switch
    {
        FieldType.Integer => pgType is "bigint" or "integer" or "smallint",
        FieldType.Double => pgType is "double precision" or "real" or "bigint" or "integer" or "smallint",
        FieldType.String => pgType is "text" or "character varying",
        FieldType.Boolean => pgType is "boolean",
        FieldType.Date => pgType is "date",
        FieldType.DateTime => pgType is "timestamp with time zone",
        _ => false,
    };

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
