using System.Buffers;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A batch of rows read by a <see cref="ChoicePipe"/>: the first columns as bigints, column by column, and optionally
/// one more of any type — or, read by COPY, the rest of each row as it was sent (<see cref="Raw"/>).
/// </summary>
internal sealed class RowBatch(int longs, bool value, RowBatch.RawSize size)
{
    /// <summary>Rows read and written per batch: one AES call per batch and purpose.</summary>
    public const int Rows = 8192;

    private byte[] _raw = [];
    private int[]? _rawAt;

    public long[][] Longs { get; } = Enumerable.Range(0, longs).Select(_ => new long[Rows]).ToArray();
    public object?[]? Values { get; } = value ? new object?[Rows] : null;
    public int Count { get; set; }

    /// <summary>The fields after the bigints of row <paramref name="i"/>, each with its length, as COPY sent them.</summary>
    public ReadOnlySpan<byte> Raw(int i) => _raw.AsSpan(_rawAt![i], _rawAt[i + 1] - _rawAt[i]);

    /// <summary>Keeps the fields of the row being added (the <see cref="Count"/>th, counted already).</summary>
    public void AddRaw(ReadOnlySpan<byte> fields)
    {
        _rawAt ??= new int[Rows + 1];
        var i = Count - 1;
        var at = _rawAt[i];
        if (_raw.Length < at + fields.Length)
        {
            // Pooled: a new buffer for every batch would keep the collector busy. Given back by the one that writes the
            // rows (ReturnRaw), or collected if it never does.
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_raw.Length * 2, size.Bytes + size.Bytes / 8), at + fields.Length));
            _raw.AsSpan(0, at).CopyTo(grown);
            if (_raw.Length > 0) ArrayPool<byte>.Shared.Return(_raw);
            _raw = grown;
        }
        fields.CopyTo(_raw.AsSpan(at));
        _rawAt[i + 1] = at + fields.Length;
        if (Count == Rows) size.Bytes = _rawAt[i + 1];
    }

    /// <summary>Gives the fields' buffer back to the pool, once the last that reads them has written them.</summary>
    public void ReturnRaw()
    {
        if (_raw.Length > 0) ArrayPool<byte>.Shared.Return(_raw);
        _raw = [];
    }

    /// <summary>
    /// What a full batch's fields took last, shared by the batches of one pipe (they are alike from batch to batch), so
    /// the next takes its buffer at that size at once.
    /// </summary>
    public sealed class RawSize
    {
        public int Bytes { get; set; } = 1 << 16;
    }
}
