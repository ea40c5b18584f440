using EtlStudio.Core.Common;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EtlStudio.Web.Grpc;

/// <summary>Refuses a unary request that fails <see cref="GrpcRequestValidator"/> before any service method sees it.</summary>
internal sealed class GrpcValidationInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (request is IMessage message) ValidationException.ThrowIfAny(GrpcRequestValidator.Validate(message));
        return continuation(request, context);
    }
}
