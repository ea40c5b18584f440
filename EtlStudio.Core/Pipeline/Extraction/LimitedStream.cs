namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>Fails with an IOException once more than <c>max</c> bytes were read, so one huge document cannot exhaust memory.</summary>
internal sealed class LimitedStream(Stream inner, long max) : ForwardReadStream
{
    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Count(await inner.ReadAsync(buffer, ct));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    private int Count(int n)
    {
        _read += n;
        if (_read > max) throw new IOException($"the document is larger than {max / (1024 * 1024)} MiB");
        return n;
    }
}
