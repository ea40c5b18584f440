namespace EtlStudio.Web.Grpc.Protocol;

/// <summary>Ends a call with a status; raised by the protocol layer itself (framing, deadlines, routing).</summary>
public sealed class GrpcStatusException(GrpcStatusCode code, string message) : Exception(message)
{
    public GrpcStatusCode Code { get; } = code;
}
