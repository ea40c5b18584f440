namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>A read-only stream that has looked at its first non-blank byte (to tell an array from an object or from HTML) without losing it.</summary>
internal sealed class PeekedStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly byte[] _head;
    private int _headPos;

    private PeekedStream(Stream inner, byte[] head, int first)
    {
        _inner = inner;
        _head = head;
        First = first;
    }

    /// <summary>The first byte that is not white space, or -1 for an empty body.</summary>
    public int First { get; }

    public static async Task<PeekedStream> OpenAsync(Stream inner, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var filled = 0;
        int first = -1;
        while (first < 0 && filled < buffer.Length)
        {
            var n = await inner.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0) break;
            for (var i = filled; i < filled + n && first < 0; i++)
                if (buffer[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)) first = buffer[i];
            filled += n;
        }
        return new PeekedStream(inner, buffer[..filled], first);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_headPos < _head.Length)
        {
            var n = Math.Min(buffer.Length, _head.Length - _headPos);
            _head.AsSpan(_headPos, n).CopyTo(buffer);
            _headPos += n;
            return n;
        }
        return _inner.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_headPos < _head.Length) return Read(buffer.Span);
        return await _inner.ReadAsync(buffer, ct);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
}
