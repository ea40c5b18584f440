using EtlStudio.Web.Grpc.Protocol;

namespace EtlStudio.Web.Grpc;

/// <summary>Told about every finished call (for metrics). Must be fast and never throw.</summary>
public interface IGrpcCallObserver
{
    void OnCallCompleted(string method, GrpcStatusCode code, TimeSpan elapsed);
}
