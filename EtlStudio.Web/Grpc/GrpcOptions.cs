namespace EtlStudio.Web.Grpc;

/// <summary>gRPC endpoint settings (section <c>Grpc</c>), handed to grpc-dotnet at start.</summary>
public sealed class GrpcOptions
{
    public const string Section = "Grpc";
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    public int MaxReceiveMessageSize { get; set; } = DefaultMaxMessageSize;
    public int MaxSendMessageSize { get; set; } = DefaultMaxMessageSize;
}
