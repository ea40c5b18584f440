using System.Buffers.Binary;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// Rows of a <c>COPY … TO STDOUT (FORMAT BINARY)</c> stream, read by hand (the counterpart of <see cref="BinaryCopyRows"/>):
/// a row's fields are handed over as PostgreSQL sent them, so a value passed on to another COPY of the same type is
/// neither decoded nor encoded here. A row stays readable until the next is read.
/// </summary>
internal sealed class BinaryCopyReader(Stream stream)
{
    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];

    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private int[] _offsets = new int[16];
    private int _rowStart, _rowEnd;
    private bool _begun;

    /// <summary>The fields of the current row.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Reads the next row; false after the last.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken ct)
    {
        if (!_begun)
        {
            await EnsureAsync(Signature.Length + 8, ct);
            if (!_buffer.AsSpan(_start, Signature.Length).SequenceEqual(Signature)) throw new InvalidDataException("Not a binary COPY stream.");
            var extension = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start + Signature.Length + 4));
            _start += Signature.Length + 8;
            await EnsureAsync(extension, ct);
            _start += extension;
            _begun = true;
        }
        _start = _rowEnd > _start ? _rowEnd : _start;
        // Most rows are in the buffer already: read without waiting; otherwise fill it until the row is whole.
        int fields;
        while ((fields = Parse()) == -2) await FillAsync(_end - _start + 1, ct);
        return fields >= 0;
    }

    /// <summary>The current row's fields (−1 at the end of the rows), or −2 when the buffer does not hold the whole row yet.</summary>
    private int Parse()
    {
        var available = _end - _start;
        if (available < 2) return -2;
        var row = _buffer.AsSpan(_start, available);
        var fields = BinaryPrimitives.ReadInt16BigEndian(row);
        if (fields == -1) return -1;
        if (_offsets.Length < fields + 1) _offsets = new int[fields + 1];
        var at = 2;
        for (var i = 0; i < fields; i++)
        {
            if (available < at + 4) return -2;
            var length = BinaryPrimitives.ReadInt32BigEndian(row[at..]);
            _offsets[i] = at;
            at += 4 + Math.Max(length, 0);
        }
        if (available < at) return -2;
        _offsets[fields] = at;
        (FieldCount, _rowStart, _rowEnd) = (fields, _start, _start + at);
        return fields;
    }

    public bool IsNull(int i) => BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_rowStart + _offsets[i])) < 0;

    /// <summary>The value of field <paramref name="i"/> (empty when NULL).</summary>
    public ReadOnlySpan<byte> Value(int i) => _buffer.AsSpan(_rowStart + _offsets[i] + 4, Math.Max(_offsets[i + 1] - _offsets[i] - 4, 0));

    public long Int64(int i) => BinaryPrimitives.ReadInt64BigEndian(Value(i));

    /// <summary>Fields <paramref name="from"/> on as sent, each with its length: what a binary COPY of them takes.</summary>
    public ReadOnlySpan<byte> Fields(int from) => _buffer.AsSpan(_rowStart + _offsets[from], _offsets[FieldCount] - _offsets[from]);

    /// <summary>Makes <paramref name="bytes"/> from <see cref="_start"/> on readable.</summary>
    private ValueTask EnsureAsync(int bytes, CancellationToken ct) => _end - _start >= bytes ? ValueTask.CompletedTask : FillAsync(bytes, ct);

    private async ValueTask FillAsync(int bytes, CancellationToken ct)
    {
        if (_start > 0 && _start == _rowEnd)
        {
            // Between rows: what is left moves to the front.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            (_end, _rowEnd, _rowStart, _start) = (_end - _start, 0, 0, 0);
        }
        if (_buffer.Length - _start < bytes) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _start + bytes));
        while (_end - _start < bytes)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0) throw new EndOfStreamException("The COPY stream ended inside a row.");
            _end += read;
        }
    }
}
