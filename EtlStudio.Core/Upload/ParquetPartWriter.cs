using EtlStudio.Core.Pipeline;
using Npgsql;
using Parquet;
using Parquet.Schema;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Streams one outbox table, in row order, into Parquet part files of at most <c>rowsPerPart</c> rows written in row
/// groups of <c>rowsPerGroup</c>: only one row group is ever in memory, whatever the table's size. Part <c>k</c> always
/// holds the same rows (a run being uploaded is not edited), so a resume starts at the first part not yet recorded.
/// </summary>
internal sealed class ParquetPartWriter(NpgsqlDataSource staging, int rowsPerPart, int rowsPerGroup)
{
    /// <summary>A finished part: a temporary file the caller uploads, then deletes.</summary>
    public sealed record Part(int Number, string Path, long Rows);

    public static ParquetSchema SchemaOf(OutboxTable table) =>
        new(table.Columns.Select(c => (Field)ParquetColumnBuffer.For(c.Name, c.Type, 0).Field));

    /// <summary>Writes parts <paramref name="firstPart"/> onwards, handing each to <paramref name="onPart"/> before the next is written.</summary>
    public async Task WriteAsync(string schema, OutboxTable table, int firstPart, Func<Part, Task> onPart, CancellationToken ct)
    {
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
        do
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"etl-part-{Guid.NewGuid():N}.parquet");
            long rows = 0;
            try
            {
                await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await using (var writer = await ParquetWriter.CreateAsync(parquetSchema, file, cancellationToken: ct))
                {
                    while (more && rows < rowsPerPart)
                    {
                        var filled = 0;
                        while (more && filled < rowsPerGroup && rows + filled < rowsPerPart)
                        {
                            for (var i = 0; i < columns.Count; i++) columns[i].Read(export, filled);
                            filled++;
                            more = await export.StartRowAsync(ct) >= 0;
                        }
                        using var group = writer.CreateRowGroup();
                        foreach (var c in columns) await c.WriteAsync(group, filled, ct);
                        rows += filled;
                    }
                }
                await onPart(new Part(number++, path, rows));
            }
            finally
            {
                File.Delete(path);
            }
        } while (more);
    }
}
