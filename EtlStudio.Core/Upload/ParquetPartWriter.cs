using System.Diagnostics;
using EtlStudio.Core.Pipeline;
using Npgsql;
using Parquet;
using Parquet.Schema;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Streams one outbox table, in row order, into Parquet part files of at most <c>S3RowsPerPart</c> rows written in row
/// groups of <c>S3RowsPerRowGroup</c>: only one row group is ever in memory, whatever the table's size. Part <c>k</c> always
/// holds the same rows (a run being uploaded is not edited), so a resume starts at the first part not yet recorded.
/// With <c>S3Overlap</c> the next row group is read while one is encoded (two in memory), and a finished part is handed on
/// while the next one is written; the next is handed on only once the previous one is done, so parts are still handed on
/// (and recorded) in order and at most two files exist at once. Without it every step waits for the one before: the
/// plain order, which the overlapped one must match byte for byte (S3UploadTests).
/// </summary>
internal sealed class ParquetPartWriter(NpgsqlDataSource staging, UploadOptions options, S3UploadTimings timings)
{
    /// <summary>A finished part: a temporary file the caller uploads; deleted once the caller is done with it.</summary>
    public sealed record Part(int Number, string Path, long Rows);

    public static ParquetSchema SchemaOf(OutboxTable table) =>
        new(table.Columns.Select(c => (Field)ParquetColumnBuffer.For(c.Name, c.Type, 0).Field));

    /// <summary>Writes parts <paramref name="firstPart"/> onwards, handing each to <paramref name="onPart"/>.</summary>
    public async Task WriteAsync(string schema, OutboxTable table, int firstPart, Func<Part, Task> onPart, CancellationToken ct)
    {
        var (rowsPerPart, rowsPerGroup) = (options.S3RowsPerPart, options.S3RowsPerRowGroup);
        var columns = table.Columns.Select(c => ParquetColumnBuffer.For(c.Name, c.Type, rowsPerGroup)).ToList();
        var parquetSchema = new ParquetSchema(columns.Select(c => (Field)c.Field));
        var list = table.Columns.Count == 0 ? "" : string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)));
        await using var conn = await staging.OpenConnectionAsync(ct);
        // OFFSET skips the rows of the parts an earlier attempt recorded; the order is the outbox's row order.
        await using var export = await conn.BeginBinaryExportAsync(
            $"COPY (SELECT {list} FROM {Sql.Table(schema, table.Name)} ORDER BY {Sql.Ident(StagingLayout.RowId)} OFFSET {(long)firstPart * rowsPerPart}) TO STDOUT (FORMAT BINARY)", ct);
        var number = firstPart;
        var more = await export.StartRowAsync(ct) >= 0;
        // Every part was written before; a table's first part is written even when empty, so its schema is readable.
        if (!more && firstPart > 0) return;

        // With overlap, one set of column buffers is filled from the COPY while the other is encoded: two row groups in memory.
        var buffers = new[] { columns, options.S3Overlap ? columns.Select(c => c.Twin()).ToList() : columns };
        var current = 0;

        async Task<Part> EncodeNextPartAsync()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"etl-part-{Guid.NewGuid():N}.parquet");
            long rows = 0;
            try
            {
                await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await using (var writer = await ParquetWriter.CreateAsync(parquetSchema, file, cancellationToken: ct))
                {
                    var encoding = Task.CompletedTask;
                    try
                    {
                        while (more && rows < rowsPerPart)
                        {
                            var group = buffers[current];
                            var started = Stopwatch.GetTimestamp();
                            var filled = 0;
                            while (more && filled < rowsPerGroup && rows + filled < rowsPerPart)
                            {
                                for (var i = 0; i < group.Count; i++) group[i].Read(export, filled);
                                filled++;
                                more = await export.StartRowAsync(ct) >= 0;
                            }
                            timings.AddRead(started);
                            // Row groups are written to the file one after the other, in order.
                            await encoding;
                            encoding = options.S3Overlap ? Task.Run(() => EncodeGroupAsync(writer, group, filled, ct), ct) : EncodeGroupAsync(writer, group, filled, ct);
                            if (!options.S3Overlap) await encoding;
                            current = 1 - current;
                            rows += filled;
                        }
                        await encoding;
                    }
                    finally
                    {
                        // The writer and its file are closed only once no row group is being encoded into them.
                        await encoding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                }
                return new Part(number++, path, rows);
            }
            catch
            {
                File.Delete(path);
                throw;
            }
        }

        var handing = Task.CompletedTask;
        try
        {
            do
            {
                var part = await EncodeNextPartAsync();
                try
                {
                    await handing;
                }
                catch
                {
                    File.Delete(part.Path);
                    throw;
                }
                handing = options.S3Overlap ? Task.Run(() => HandOnAsync(part, onPart), ct) : HandOnAsync(part, onPart);
                if (!options.S3Overlap) await handing;
            } while (more);
            await handing;
        }
        finally
        {
            // Leave no part being handed on (nor its file) behind when encoding fails; the encoding's failure is the one thrown.
            await handing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task EncodeGroupAsync(ParquetWriter writer, List<ParquetColumnBuffer> columns, int count, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using (var group = writer.CreateRowGroup())
            foreach (var c in columns) await c.WriteAsync(group, count, ct);
        timings.AddEncode(started);
    }

    private async Task HandOnAsync(Part part, Func<Part, Task> onPart)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await onPart(part);
        }
        finally
        {
            File.Delete(part.Path);
            timings.AddStore(started);
        }
    }
}
