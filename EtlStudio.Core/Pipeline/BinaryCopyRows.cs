using System.Buffers.Binary;
using System.Text;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// Rows in PostgreSQL's binary COPY format, written by hand into a buffer that a raw COPY stream then sends as it is
/// (<see cref="CopyAsync"/>). For the millions of narrow rows the anonymizer writes back — numbers mostly — this is
/// much cheaper than <see cref="NpgsqlBinaryImporter"/>, which resolves a type handler and checks the row's state for
/// every value (figures: docs/benchmarks.md, *Pipeline engine*). Values are written as PostgreSQL's
/// binary send functions write them: big-endian, dates and times from 2000-01-01, and the infinities where Npgsql reads
/// them (<see cref="DateOnly.MaxValue"/>, <see cref="DateTime.MaxValue"/> and their minimums).
/// </summary>
internal sealed class BinaryCopyRows(int capacity = 1 << 16)
{
    /// <summary>The signature <c>PGCOPY\n\377\r\n\0</c>, no flags, no header extension.</summary>
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>A field count of −1 ends the rows.</summary>
    private static readonly byte[] Trailer = [0xff, 0xff];

    /// <summary><c>DateOnly.DayNumber</c> of 2000-01-01, where PostgreSQL's dates count from.</summary>
    internal const int PostgresEpochDay = 730_119;

    /// <summary><c>DateTime.Ticks</c> of 2000-01-01 UTC, where PostgreSQL's timestamps count (in microseconds) from.</summary>
    private const long PostgresEpochTicks = 630_822_816_000_000_000;

    private byte[] _buffer = new byte[capacity];
    private int _length;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>Forgets the rows written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    public void StartRow(int fields) => BinaryPrimitives.WriteInt16BigEndian(Take(2), checked((short)fields));

    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Take(4), -1);

    public void Write(long value)
    {
        var span = Take(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    public void Write(double value)
    {
        var span = Take(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteDoubleBigEndian(span[4..], value);
    }

    public void Write(bool value)
    {
        var span = Take(5);
        BinaryPrimitives.WriteInt32BigEndian(span, 1);
        span[4] = value ? (byte)1 : (byte)0;
    }

    public void Write(DateOnly value) =>
        WriteDays(value == DateOnly.MaxValue ? int.MaxValue : value == DateOnly.MinValue ? int.MinValue : value.DayNumber - PostgresEpochDay);

    /// <summary>A date as PostgreSQL counts it: days from 2000-01-01, the infinities <see cref="int.MaxValue"/> and <see cref="int.MinValue"/>.</summary>
    public void WriteDays(int days)
    {
        var span = Take(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], days);
    }

    /// <summary>A field as PostgreSQL's binary COPY sends it: its bytes, or NULL.</summary>
    public void WriteRaw(ReadOnlySpan<byte> value, bool isNull)
    {
        if (isNull)
        {
            WriteNull();
            return;
        }
        var span = Take(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
    }

    /// <summary>A <c>timestamptz</c>: <paramref name="value"/> is UTC (as Npgsql reads one).</summary>
    public void Write(DateTime value)
    {
        var span = Take(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value == DateTime.MaxValue ? long.MaxValue
            : value == DateTime.MinValue ? long.MinValue : (value.Ticks - PostgresEpochTicks) / TimeSpan.TicksPerMicrosecond);
    }

    public void Write(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        var span = Take(4 + bytes);
        BinaryPrimitives.WriteInt32BigEndian(span, bytes);
        Encoding.UTF8.GetBytes(value, span[4..]);
    }

    /// <summary>A value of a column of <paramref name="type"/> as Npgsql reads it (<see cref="NpgsqlDataReader.GetValue"/>), or NULL.</summary>
    public void Write(object? value, FieldType type)
    {
        switch (value)
        {
            case null or DBNull: WriteNull(); break;
            case DateTime d when type == FieldType.Date: Write(d == DateTime.MaxValue ? DateOnly.MaxValue : d == DateTime.MinValue ? DateOnly.MinValue : DateOnly.FromDateTime(d)); break;
            default:
                switch (type)
                {
                    case FieldType.Integer: Write(Convert.ToInt64(value)); break;
                    case FieldType.Double: Write(Convert.ToDouble(value)); break;
                    case FieldType.Boolean: Write((bool)value); break;
                    case FieldType.Date: Write((DateOnly)value); break;
                    case FieldType.DateTime: Write((DateTime)value); break;
                    default: Write((string)value); break;
                }
                break;
        }
    }

    private Span<byte> Take(int bytes)
    {
        if (_length + bytes > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        var span = _buffer.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }

    /// <summary>
    /// Runs <paramref name="copy"/> (a <c>COPY … FROM STDIN (FORMAT BINARY)</c>) on <paramref name="conn"/> with the rows
    /// of every buffer <paramref name="rows"/> gives, in order; abandoned, not completed, when anything fails.
    /// </summary>
    public static async Task CopyAsync(NpgsqlConnection conn, string copy, IAsyncEnumerable<BinaryCopyRows> rows, CancellationToken ct)
    {
        await using var stream = await conn.BeginRawBinaryCopyAsync(copy, ct);
        try
        {
            await stream.WriteAsync(Header, ct);
            await foreach (var batch in rows.WithCancellation(ct)) await stream.WriteAsync(batch.Written, ct);
            await stream.WriteAsync(Trailer, ct);
        }
        catch
        {
            // Half the rows must not be taken for all of them.
            await stream.CancelAsync();
            throw;
        }
    }
}
