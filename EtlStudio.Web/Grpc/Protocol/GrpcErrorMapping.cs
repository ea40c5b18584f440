using EtlStudio.Core.Common;
using Google.Protobuf;

namespace EtlStudio.Web.Grpc.Protocol;

/// <summary>The one place where exceptions become gRPC statuses. Unknown failures never leak their text.</summary>
public static class GrpcErrorMapping
{
    public static (GrpcStatusCode Code, string Message) ToStatus(Exception exception) => exception switch
    {
        GrpcStatusException g => (g.Code, g.Message),
        DomainException d => (d.Kind switch
        {
            ErrorKind.Validation => GrpcStatusCode.InvalidArgument,
            ErrorKind.NotFound => GrpcStatusCode.NotFound,
            ErrorKind.AlreadyExists => GrpcStatusCode.AlreadyExists,
            ErrorKind.FailedPrecondition => GrpcStatusCode.FailedPrecondition,
            ErrorKind.PermissionDenied => GrpcStatusCode.PermissionDenied,
            ErrorKind.Unauthenticated => GrpcStatusCode.Unauthenticated,
            _ => GrpcStatusCode.Unknown,
        }, d.Message),
        // A payload that is not the method's message: grpc-dotnet answers INTERNAL here too.
        InvalidProtocolBufferException => (GrpcStatusCode.Internal, "Failed to deserialize the request message."),
        _ => (GrpcStatusCode.Internal, "An internal error occurred; it has been logged."),
    };
}
