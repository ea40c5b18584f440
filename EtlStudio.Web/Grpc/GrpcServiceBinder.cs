using Google.Protobuf;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// Binds methods of one protobuf service, checked against its descriptor at start-up: a method
/// name or message type that does not match the contract fails the start, not a call.
/// </summary>
public sealed class GrpcServiceBinder
{
    private readonly ServiceDescriptor _service;
    private readonly Dictionary<string, GrpcMethod> _methods;

    internal GrpcServiceBinder(ServiceDescriptor service, Dictionary<string, GrpcMethod> methods)
    {
        _service = service;
        _methods = methods;
    }

    public ServiceDescriptor Service => _service;

    public GrpcServiceBinder Unary<TRequest, TResponse>(string methodName, Func<TRequest, GrpcCallContext, Task<TResponse>> handler, bool allowAnonymous = false)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var method = _service.FindMethodByName(methodName)
                     ?? throw new InvalidOperationException($"{_service.FullName} has no method {methodName}.");
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
            throw new InvalidOperationException($"{_service.FullName}/{methodName} takes {method.InputType.FullName} and returns {method.OutputType.FullName}.");
        if (method.IsClientStreaming || method.IsServerStreaming)
            throw new InvalidOperationException($"{_service.FullName}/{methodName} is streaming; bind it as a streaming method.");
        var path = $"/{_service.FullName}/{methodName}";
        var parser = new MessageParser<TRequest>(() => new TRequest());
        _methods[path] = new GrpcMethod(path, parser, (request, call) => Invoke(handler((TRequest)request, call)), allowAnonymous);
        return this;
    }

    /// <summary>A method that answered synchronously (from a cache) costs no extra state machine.</summary>
    private static ValueTask<IMessage> Invoke<TResponse>(Task<TResponse> pending) where TResponse : IMessage<TResponse> =>
        pending.IsCompletedSuccessfully ? new ValueTask<IMessage>(pending.Result) : AwaitAsync(pending);

    private static async ValueTask<IMessage> AwaitAsync<TResponse>(Task<TResponse> pending) where TResponse : IMessage<TResponse> => await pending;
}
