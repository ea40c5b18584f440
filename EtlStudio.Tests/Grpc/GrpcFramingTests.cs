using System.IO.Compression;
using System.IO.Pipelines;
using EtlStudio.Web.Grpc.Protocol;

namespace EtlStudio.Tests.Grpc;

/// <summary>The framing rules, byte by byte.</summary>
public sealed class GrpcFramingTests
{
    private const int Limit = 16;

    private static async Task<byte[]?> ReadAsync(byte[] wire, string? encoding = null, bool single = false, int limit = Limit)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(wire);
        await pipe.Writer.CompleteAsync();
        return single
            ? await GrpcFraming.ReadSingleMessageAsync(pipe.Reader, limit, encoding, CancellationToken.None)
            : await GrpcFraming.ReadMessageAsync(pipe.Reader, limit, encoding, CancellationToken.None);
    }

    [Fact]
    public async Task A_whole_frame_yields_its_payload()
    {
        byte[] wire =
        [
            0x00,                   // not compressed
            0x00, 0x00, 0x00, 0x03, // length 3, big-endian
            0x0A, 0x01, 0x41,       // payload: field 1, length 1, "A"
        ];
        Assert.Equal(new byte[] { 0x0A, 0x01, 0x41 }, await ReadAsync(wire, single: true));
    }

    [Fact]
    public async Task An_empty_message_is_a_five_byte_frame()
    {
        byte[] wire = [0x00, 0x00, 0x00, 0x00, 0x00]; // flag 0, length 0, no payload
        Assert.Empty((await ReadAsync(wire, single: true))!);
    }

    [Fact]
    public async Task A_frame_cut_inside_its_header_is_incomplete()
    {
        byte[] wire = [0x00, 0x00, 0x00]; // flag and two of the four length bytes, then end of stream
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(wire));
        Assert.Equal(GrpcStatusCode.Internal, ex.Code);
    }

    [Fact]
    public async Task A_frame_cut_inside_its_payload_is_incomplete()
    {
        byte[] wire =
        [
            0x00,                   // not compressed
            0x00, 0x00, 0x00, 0x04, // announces 4 bytes
            0x0A, 0x01,             // only 2 arrive
        ];
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(wire));
        Assert.Contains("Incomplete", ex.Message);
    }

    [Fact]
    public async Task Two_messages_in_a_unary_request_are_refused()
    {
        byte[] wire =
        [
            0x00, 0x00, 0x00, 0x00, 0x01, 0x08, // first message: 1 byte (0x08)
            0x00, 0x00, 0x00, 0x00, 0x01, 0x10, // second message: not allowed in a unary call
        ];
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(wire, single: true));
        Assert.Equal(GrpcStatusCode.Internal, ex.Code);
        Assert.Contains("one message", ex.Message);
    }

    [Fact]
    public async Task A_unary_request_without_a_message_is_refused()
    {
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync([], single: true));
        Assert.Contains("did not contain a message", ex.Message);
    }

    [Fact]
    public async Task A_length_prefix_over_the_limit_is_refused_before_the_payload_arrives()
    {
        byte[] wire =
        [
            0x00,                   // not compressed
            0x7F, 0xFF, 0xFF, 0xFF, // 2 GiB announced; no payload follows
        ];
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(wire));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.Code);
    }

    [Fact]
    public async Task A_compressed_flag_without_an_encoding_is_refused()
    {
        byte[] wire = [0x01, 0x00, 0x00, 0x00, 0x01, 0x08]; // flag 1 (compressed), length 1, payload
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(wire, encoding: null));
        Assert.Equal(GrpcStatusCode.Internal, ex.Code);
        Assert.Contains("grpc-encoding", ex.Message);
    }

    [Fact]
    public async Task An_unknown_compressed_flag_value_is_refused()
    {
        byte[] wire = [0x02, 0x00, 0x00, 0x00, 0x00]; // flag 2 does not exist
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(wire));
        Assert.Equal(GrpcStatusCode.Internal, ex.Code);
    }

    [Fact]
    public async Task A_gzip_frame_is_inflated_and_a_gzip_bomb_is_stopped_at_the_limit()
    {
        Assert.Equal(new byte[] { 0x0A, 0x01, 0x41 }, await ReadAsync(Frame(Gzip([0x0A, 0x01, 0x41]), compressed: true), "gzip", limit: 256));

        const int limit = 1024;
        var bomb = Frame(Gzip(new byte[limit * 100]), compressed: true); // under the limit on the wire, 100x the limit inflated
        Assert.True(bomb.Length < limit);
        var ex = await Assert.ThrowsAsync<GrpcStatusException>(() => ReadAsync(bomb, "gzip", limit: limit));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.Code);
    }

    [Fact]
    public void Written_frames_have_the_flag_and_big_endian_length()
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        GrpcFraming.WriteFrame(writer, [0xAA, 0xBB]);
        Assert.Equal([0x00, 0x00, 0x00, 0x00, 0x02, 0xAA, 0xBB], writer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData("100m", 1000000)]   // milliseconds → ticks
    [InlineData("2S", 20000000)]
    [InlineData("1H", 36000000000)]
    [InlineData("5u", 50)]
    [InlineData("99999999n", 999999)]
    public void Timeouts_parse_with_their_unit(string header, long ticks)
    {
        Assert.True(GrpcDeadline.TryParse(header, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("123456789S")] // nine digits: too long
    [InlineData("-1S")]
    [InlineData("5X")]
    public void Malformed_timeouts_are_rejected(string header) => Assert.False(GrpcDeadline.TryParse(header, out _));

    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("naïve\n", "na%C3%AFve%0A")]
    public void Status_messages_are_percent_encoded_outside_printable_ascii(string message, string encoded) =>
        Assert.Equal(encoded, GrpcMessageEncoding.Encode(message));

    private static byte[] Frame(byte[] payload, bool compressed) =>
        [(byte)(compressed ? 1 : 0), (byte)(payload.Length >> 24), (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize)) gzip.Write(data);
        return output.ToArray();
    }
}
