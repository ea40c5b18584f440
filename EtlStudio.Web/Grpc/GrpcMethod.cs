using Google.Protobuf;

namespace EtlStudio.Web.Grpc;

/// <summary>A bound unary method: how to parse its request and what runs it.</summary>
internal sealed record GrpcMethod(
    string Path,
    MessageParser RequestParser,
    Func<IMessage, GrpcCallContext, ValueTask<IMessage>> Invoke,
    bool AllowAnonymous);
