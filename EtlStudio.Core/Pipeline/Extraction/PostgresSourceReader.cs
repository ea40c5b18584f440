using System.Runtime.CompilerServices;
using EtlStudio.Core.Connections;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// Runs an extraction query on a PostgreSQL source in a read-only transaction with a statement timeout and streams
/// its rows, each aligned to the table's columns by name (case-insensitive; unknown columns ignored, missing ones null).
/// </summary>
internal static class PostgresSourceReader
{
    public static async IAsyncEnumerable<object?[]> ReadAsync(SourceRequest source, [EnumeratorCancellation] CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(source.Secret.Value) { ApplicationName = "EtlStudio extraction", Timeout = 15 };
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        try { await conn.OpenAsync(ct); }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new PipelineFailure(PipelineStep.Extract, $"Source '{source.Name}' could not be reached: {SourceErrors.Describe(ex)}", ex);
        }
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var setup = new NpgsqlCommand($"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(long)source.Timeout.TotalMilliseconds}", conn, tx))
            await setup.ExecuteNonQueryAsync(ct);
        var sql = source.Body.Trim().TrimEnd(';');
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
