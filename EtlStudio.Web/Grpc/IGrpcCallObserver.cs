using Grpc.Core;

namespace EtlStudio.Web.Grpc;

/// <summary>Told about every finished call (for metrics). Must be fast and never throw.</summary>
public interface IGrpcCallObserver
{
    void OnCallCompleted(string method, StatusCode code, TimeSpan elapsed);
}
