using EtlStudio.Core.Scripts;
using Npgsql;
using Parquet;
using Parquet.Schema;

namespace EtlStudio.Core.Upload;

/// <summary>
/// One column of a row group being filled from a binary COPY, typed as the outbox column: integers as INT64, doubles as
/// DOUBLE, strings as UTF-8 strings, booleans, dates as DATE and timestamps as TIMESTAMP(micros, UTC). NULLs stay NULL.
/// </summary>
internal abstract class ParquetColumnBuffer(DataField field)
{
    public DataField Field { get; } = field;

    public abstract void Read(NpgsqlBinaryExporter row, int index);

    public abstract Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct);

    /// <summary>A second buffer of the same column, for the same schema (a writer accepts only the fields its schema was made of).</summary>
    public abstract ParquetColumnBuffer Twin();

    public static ParquetColumnBuffer For(string name, FieldType type, int capacity) => type switch
    {
        FieldType.Integer => new Values<long>(new DataField<long?>(name), capacity),
        FieldType.Double => new Values<double>(new DataField<double?>(name), capacity),
        FieldType.Boolean => new Values<bool>(new DataField<bool?>(name), capacity),
        FieldType.Date => new Values<DateOnly>(new DataField<DateOnly?>(name), capacity),
        FieldType.DateTime => new Values<DateTime>(new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true), capacity),
        _ => new Strings(new DataField<string>(name), capacity),
    };

    private sealed class Values<T>(DataField field, int capacity) : ParquetColumnBuffer(field) where T : struct
    {
        private readonly T?[] _values = new T?[capacity];

        public override ParquetColumnBuffer Twin() => new Values<T>(Field, _values.Length);

        public override void Read(NpgsqlBinaryExporter row, int index)
        {
            if (row.IsNull) { row.Skip(); _values[index] = null; }
            else _values[index] = row.Read<T>();
        }

        public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct) =>
            group.WriteAsync<T>(Field, new ReadOnlyMemory<T?>(_values, 0, count), null, null, ct);
    }

    private sealed class Strings(DataField field, int capacity) : ParquetColumnBuffer(field)
    {
        private readonly string?[] _values = new string?[capacity];

        public override ParquetColumnBuffer Twin() => new Strings(Field, _values.Length);

        public override void Read(NpgsqlBinaryExporter row, int index)
        {
            if (row.IsNull) { row.Skip(); _values[index] = null; }
            else _values[index] = row.Read<string>();
        }

        public override Task WriteAsync(ParquetRowGroupWriter group, int count, CancellationToken ct) =>
            group.WriteAsync(Field, new ArraySegment<string>(_values!, 0, count), null);
    }
}
