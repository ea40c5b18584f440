using Google.Protobuf;

namespace EtlStudio.Tests.Grpc;

/// <summary>A message as one uncompressed gRPC frame, for hand-made requests.</summary>
public static class GrpcFrames
{
    public static byte[] Of(IMessage message)
    {
        var p = message.ToByteArray();
        return [0, (byte)(p.Length >> 24), (byte)(p.Length >> 16), (byte)(p.Length >> 8), (byte)p.Length, .. p];
    }
}
