using EtlStudio.Protos.UserManager;
using EtlStudio.Tests.Infrastructure;
using Google.Protobuf;

namespace EtlStudio.Tests.Grpc;

/// <summary>Hand-made HTTP/2 requests against the running app: the protocol's edge cases, and a fuzz run that must never break the server.</summary>
public sealed class GrpcProtocolTests(AppProcess app) : IClassFixture<AppProcess>
{
    private const string GetUser = "/etl.user.manager.V1.UserManager/GetUser";

    private async Task<string> TokenAsync(string user = "alice")
    {
        using var http = new HttpClient();
        var response = await http.PostAsync($"{app.BaseUrl}/auth/dev-token", new FormUrlEncodedContent([new("user", user)]));
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }


    [Fact]
    public async Task A_valid_call_returns_one_frame_and_status_zero_in_the_trailers()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var reply = await client.SendAsync(GetUser, GrpcFrames.Of(new GetUserRequest()), token: await TokenAsync());

        Assert.Equal("0", reply.GrpcStatus);
        Assert.Equal(0, reply.Body[0]); // not compressed
        var length = (reply.Body[1] << 24) | (reply.Body[2] << 16) | (reply.Body[3] << 8) | reply.Body[4];
        Assert.Equal(reply.Body.Length - 5, length);
        Assert.Equal("alice", GetUserResponse.Parser.ParseFrom(reply.Body.AsSpan(5)).User.Name);
    }

    [Fact]
    public async Task A_non_grpc_content_type_gets_http_415()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        // With a token: the caller is authenticated before the endpoint looks at the content.
        var reply = await client.SendAsync(GetUser, GrpcFrames.Of(new GetUserRequest()), contentType: "application/json", token: await TokenAsync());
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, reply.HttpStatus);
    }

    [Fact]
    public async Task Errors_before_any_message_are_trailers_only_with_an_encoded_message()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var reply = await client.SendAsync(GetUser, GrpcFrames.Of(new GetUserRequest { Id = "not a uuid ✓" }), token: await TokenAsync());
        Assert.Equal("3", reply.GrpcStatus);
        Assert.Empty(reply.Body);
        Assert.Contains("%E2%9C%93", reply.GrpcMessage); // the check mark, percent-encoded UTF-8
    }

    [Fact]
    public async Task Two_messages_a_partial_frame_and_an_unannounced_compressed_frame_are_protocol_errors()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var token = await TokenAsync();
        var frame = GrpcFrames.Of(new GetUserRequest());

        Assert.Equal("13", (await client.SendAsync(GetUser, [.. frame, .. frame], token: token)).GrpcStatus);
        Assert.Equal("13", (await client.SendAsync(GetUser, frame[..3], token: token)).GrpcStatus);
        byte[] compressed = [1, .. frame[1..]];
        Assert.Equal("13", (await client.SendAsync(GetUser, compressed, token: token)).GrpcStatus);
    }

    [Fact]
    public async Task An_unsupported_encoding_is_unimplemented_and_says_what_is_accepted()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        // A frame flagged compressed: the encoding only matters for a message that uses it.
        byte[] compressed = [1, .. GrpcFrames.Of(new GetUserRequest())[1..]];
        var reply = await client.SendAsync(GetUser, compressed, headers: new Dictionary<string, string> { ["grpc-encoding"] = "br" }, token: await TokenAsync());
        Assert.Equal("12", reply.GrpcStatus);
        Assert.Contains("gzip", reply.GrpcMessage);
    }

    [Fact]
    public async Task A_deadline_beyond_what_timers_reach_is_as_good_as_none()
    {
        using var client = new RawGrpcClient(app.GrpcTarget);
        var reply = await client.SendAsync(GetUser, GrpcFrames.Of(new GetUserRequest()), headers: new Dictionary<string, string> { ["grpc-timeout"] = "99999999H" }, token: await TokenAsync());
        Assert.Equal("0", reply.GrpcStatus);
    }

    [Fact]
    public async Task Thousands_of_random_and_mutated_frames_each_get_a_status_and_the_server_keeps_serving()
    {
        var random = new Random(20261122); // fixed seed: a failure can be replayed
        var token = await TokenAsync();
        var valid = GrpcFrames.Of(new GetUserRequest());
        var paths = new[] { GetUser, "/etl.user.manager.V1.UserManager/CreateUser", "/etl.audit.logger.V1.AuditLogger/ListAuditLogs", "/grpc.health.v1.Health/Check", "/x/y" };
        using var client = new RawGrpcClient(app.GrpcTarget);
        var statuses = new Dictionary<string, int>();
        const int calls = 2000;
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            byte[] body;
            int kind;
            lock (random)
            {
                kind = random.Next(4);
                body = kind switch
                {
                    0 => RandomBytes(random, random.Next(0, 64)),                              // noise
                    1 => Mutate(random, valid),                                               // a valid frame with bytes flipped
                    2 => [0, 0, 0, 0, (byte)random.Next(1, 40), .. RandomBytes(random, 40)],  // right header, random protobuf
                    _ => valid[..random.Next(0, valid.Length)],                               // truncated
                };
            }
            var reply = await client.SendAsync(paths[i % paths.Length], body, token: token);
            lock (statuses)
            {
                var key = reply.GrpcStatus ?? $"http {(int)reply.HttpStatus}";
                statuses[key] = statuses.GetValueOrDefault(key) + 1;
            }
        });

        Assert.Equal(calls, statuses.Values.Sum());
        Assert.DoesNotContain(statuses.Keys, k => k.StartsWith("http", StringComparison.Ordinal)); // every reply was a gRPC status
        var after = await client.SendAsync(GetUser, valid, token: token);
        Assert.Equal("0", after.GrpcStatus);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] frame)
    {
        var copy = frame.ToArray();
        for (var n = random.Next(1, 4); n > 0 && copy.Length > 0; n--) copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }
}
