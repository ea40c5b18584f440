using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace EtlStudio.Web.Grpc.Protocol;

/// <summary>
/// Length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, then the payload.
/// The length is checked against the limit before anything is buffered.
/// </summary>
public static class GrpcFraming
{
    public const int HeaderSize = 1 + 4;
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// Reads the next message, or null at a clean end of stream. Throws <see cref="GrpcStatusException"/>
    /// for a truncated frame, an oversized one, or a compressed one the call did not announce.
    /// </summary>
    public static async ValueTask<byte[]?> ReadMessageAsync(PipeReader reader, int maxMessageSize, string? encoding, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            if (TryParseFrame(ref buffer, maxMessageSize, out var compressed, out var payload))
            {
                var message = compressed ? Decompress(payload, encoding, maxMessageSize) : payload.ToArray();
                reader.AdvanceTo(buffer.Start);
                return message;
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (buffer.Length == 0) return null;
                throw new GrpcStatusException(GrpcStatusCode.Internal, "Incomplete message: the request ended inside a frame.");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads exactly one message, as a unary call requires.</summary>
    public static async ValueTask<byte[]> ReadSingleMessageAsync(PipeReader reader, int maxMessageSize, string? encoding, CancellationToken ct)
    {
        var message = await ReadMessageAsync(reader, maxMessageSize, encoding, ct)
                      ?? throw new GrpcStatusException(GrpcStatusCode.Internal, "The request did not contain a message.");
        // A unary request has exactly one message, then the client half-closes: any byte after it is a protocol error.
        while (true)
        {
            var rest = await reader.ReadAsync(ct);
            var extra = rest.Buffer.Length;
            var done = rest.IsCompleted;
            reader.AdvanceTo(rest.Buffer.End);
            if (extra > 0) throw new GrpcStatusException(GrpcStatusCode.Internal, "Additional data after the message: a unary request carries one message.");
            if (done) return message;
        }
    }

    /// <summary>Parses one frame from the front of <paramref name="buffer"/>, advancing it past the frame.</summary>
    public static bool TryParseFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < HeaderSize) return false;
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1) throw new GrpcStatusException(GrpcStatusCode.Internal, $"Invalid compressed flag {flag}.");
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > maxMessageSize)
            throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize}).");
        if (buffer.Length < HeaderSize + length) return false;
        compressed = flag == 1;
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    /// <summary>Writes one uncompressed frame.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, ReadOnlySpan<byte> message)
    {
        var span = writer.GetSpan(HeaderSize + message.Length);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..HeaderSize], (uint)message.Length);
        message.CopyTo(span[HeaderSize..]);
        writer.Advance(HeaderSize + message.Length);
    }

    /// <summary>Writes one uncompressed frame, serializing <paramref name="message"/> (of <paramref name="size"/> bytes) in place.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, IMessage message, int size)
    {
        var span = writer.GetSpan(HeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..HeaderSize], (uint)size);
        message.WriteTo(span.Slice(HeaderSize, size));
        writer.Advance(HeaderSize + size);
    }

    private static byte[] Decompress(ReadOnlySequence<byte> payload, string? encoding, int maxMessageSize)
    {
        if (string.IsNullOrEmpty(encoding) || encoding == GrpcHeaders.Identity)
            throw new GrpcStatusException(GrpcStatusCode.Internal, "The message is flagged as compressed but the request names no grpc-encoding.");
        if (encoding != GrpcHeaders.Gzip)
            throw new GrpcStatusException(GrpcStatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'.");
        using var input = new MemoryStream(payload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                output.Write(chunk, 0, read);
                // Guards against a small compressed frame that inflates past the limit.
                if (output.Length > maxMessageSize)
                    throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"Decompressed message larger than max ({maxMessageSize}).");
            }
        }
        catch (InvalidDataException)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "The compressed message is not valid gzip.");
        }
        return output.ToArray();
    }
}
