using EtlStudio.Core.Common;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// The one place where exceptions become gRPC statuses: domain
/// errors by their kind; anything unexpected is logged once with the call's correlation id and
/// answered INTERNAL with that id and nothing else, so no exception text reaches a client.
/// </summary>
internal sealed partial class GrpcErrorInterceptor(ILogger<GrpcErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    private Exception Map(Exception ex, ServerCallContext context)
    {
        if (ex is DomainException domain)
            return new RpcException(new Status(domain.Kind switch
            {
                ErrorKind.Validation => StatusCode.InvalidArgument,
                ErrorKind.NotFound => StatusCode.NotFound,
                ErrorKind.AlreadyExists => StatusCode.AlreadyExists,
                ErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
                ErrorKind.PermissionDenied => StatusCode.PermissionDenied,
                ErrorKind.Unauthenticated => StatusCode.Unauthenticated,
                _ => StatusCode.Internal,
            }, domain.Message));
        // The deadline passed or the client left: the library answers DEADLINE_EXCEEDED or CANCELLED itself.
        if (context.CancellationToken.IsCancellationRequested) return ex;
        var correlation = GrpcCaller.CorrelationId(context.GetHttpContext());
        LogFailed(ex, context.Method, correlation);
        return new RpcException(new Status(StatusCode.Internal, $"An internal error occurred; it has been logged (correlation id {correlation})."));
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "gRPC call {Method} failed (correlation id {CorrelationId})")]
    private partial void LogFailed(Exception ex, string method, string correlationId);
}
