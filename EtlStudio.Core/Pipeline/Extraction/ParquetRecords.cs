using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// The records of a Parquet object, one row group in memory at a time. Parquet keeps its index at the end of the file,
/// so the object is first spooled to a temporary file (deleted afterwards) rather than held in memory.
/// </summary>
internal static class ParquetRecords
{
    public static async IAsyncEnumerable<object?[]> ReadAsync(Stream body, SourceRequest source, string what, [EnumeratorCancellation] CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"etl-source-{Guid.NewGuid():N}.parquet");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            await body.CopyToAsync(file, ct);
            file.Position = 0;
            ParquetReader? reader;
            try { reader = await ParquetReader.CreateAsync(file, new ParquetOptions { UseDateOnlyTypeForDates = true }, cancellationToken: ct); }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException)
            {
                throw new PipelineFailure(PipelineStep.Extract, $"{what} is not a readable Parquet file ({e.Message}).", e);
            }
            await using (reader)
            {
                var fields = reader.Schema.GetDataFields().Select(f => (Field: f, Index: source.ColumnIndex(f.Name))).Where(f => f.Index >= 0).ToList();
                if (fields.FirstOrDefault(f => f.Field.IsArray || f.Field.Path.Length > 1) is { Field: { } nested })
                    throw new PipelineFailure(PipelineStep.Extract, $"{what}: column '{nested.Name}' is nested or repeated; only flat columns can be extracted.");
                for (var g = 0; g < reader.RowGroupCount; g++)
                {
                    using var group = reader.OpenRowGroupReader(g);
                    var n = checked((int)group.RowCount);
                    var columns = new object?[fields.Count][];
                    for (var c = 0; c < fields.Count; c++) columns[c] = await ColumnAsync(group, fields[c].Field, n, what, ct);
                    for (var r = 0; r < n; r++)
                    {
                        var row = new object?[source.Columns.Count];
                        for (var c = 0; c < fields.Count; c++) row[fields[c].Index] = columns[c][r];
                        yield return row;
                    }
                }
            }
        }
        finally { File.Delete(path); }
    }

    private static Task<object?[]> ColumnAsync(ParquetRowGroupReader group, DataField field, int n, string what, CancellationToken ct)
    {
        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        return type switch
        {
            _ when type == typeof(string) || type == typeof(ReadOnlyMemory<char>) => StringsAsync(group, field, n, ct),
            _ when type == typeof(long) => ValuesAsync<long>(group, field, n, ct),
            _ when type == typeof(int) => ValuesAsync<int>(group, field, n, ct),
            _ when type == typeof(short) => ValuesAsync<short>(group, field, n, ct),
            _ when type == typeof(double) => ValuesAsync<double>(group, field, n, ct),
            _ when type == typeof(float) => ValuesAsync<float>(group, field, n, ct),
            _ when type == typeof(decimal) => ValuesAsync<decimal>(group, field, n, ct),
            _ when type == typeof(bool) => ValuesAsync<bool>(group, field, n, ct),
            _ when type == typeof(DateOnly) => ValuesAsync<DateOnly>(group, field, n, ct),
            _ when type == typeof(DateTime) => ValuesAsync<DateTime>(group, field, n, ct),
            _ => throw new PipelineFailure(PipelineStep.Extract, $"{what}: column '{field.Name}' has Parquet type {type.Name}, which no column type takes."),
        };
    }

    private static async Task<object?[]> ValuesAsync<T>(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct) where T : struct
    {
        if (field.IsNullable)
        {
            var values = new T?[n];
            await group.ReadAsync<T>(field, values.AsMemory(), null, ct);
            return values.Select(v => (object?)v).ToArray();
        }
        var plain = new T[n];
        await group.ReadAsync<T>(field, plain.AsMemory(), null, ct);
        return plain.Select(v => (object?)v).ToArray();
    }

    private static async Task<object?[]> StringsAsync(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
    {
        var values = new string?[n];
        await group.ReadAsync(field, values.AsMemory(), null, ct);
        return values.Cast<object?>().ToArray();
    }
}
