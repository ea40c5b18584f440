using EtlStudio.Web.Grpc.Protocol;

namespace EtlStudio.Web.Grpc;

/// <summary>gRPC endpoint settings (section <c>Grpc</c>).</summary>
public sealed class GrpcOptions
{
    public const string Section = "Grpc";

    public int MaxReceiveMessageSize { get; set; } = GrpcFraming.DefaultMaxMessageSize;
    public int MaxSendMessageSize { get; set; } = GrpcFraming.DefaultMaxMessageSize;
}
