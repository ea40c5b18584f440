namespace EtlStudio.Web.Grpc;

/// <summary>A gRPC service adapter: binds the methods of one protobuf service to Core use cases.</summary>
public interface IGrpcService
{
    void Register(GrpcServiceBinder binder);
}
