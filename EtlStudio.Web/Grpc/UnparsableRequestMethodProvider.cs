using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// Binds services from their generated <c>BindService</c> as grpc-dotnet's own provider does, with one
/// change: a request payload that does not parse as the method's message ends INTERNAL with a fixed
/// text. The library would answer UNKNOWN ("Exception was thrown by handler"), which a client cannot
/// tell from a server fault. Registered in place of the library's provider (<see cref="GrpcRegistration"/>).
/// </summary>
internal sealed class UnparsableRequestMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } bind) continue;
            var method = bind.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Single(m => m.Name == bind.BindMethodName && m.GetParameters() is [{ ParameterType: var b }, _] && b == typeof(ServiceBinderBase));
            method.Invoke(null, [new Binder(context), null]);
            return;
        }
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Parsing(method), Metadata(method.Name, [typeof(TRequest), typeof(ServerCallContext)], out var invoker),
                (UnaryServerMethod<TService, TRequest, TResponse>)Delegate.CreateDelegate(typeof(UnaryServerMethod<TService, TRequest, TResponse>), invoker));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Parsing(method), Metadata(method.Name, [typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)], out var invoker),
                (ServerStreamingServerMethod<TService, TRequest, TResponse>)Delegate.CreateDelegate(typeof(ServerStreamingServerMethod<TService, TRequest, TResponse>), invoker));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Parsing(method), Metadata(method.Name, [typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)], out var invoker),
                (ClientStreamingServerMethod<TService, TRequest, TResponse>)Delegate.CreateDelegate(typeof(ClientStreamingServerMethod<TService, TRequest, TResponse>), invoker));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Parsing(method), Metadata(method.Name, [typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)], out var invoker),
                (DuplexStreamingServerMethod<TService, TRequest, TResponse>)Delegate.CreateDelegate(typeof(DuplexStreamingServerMethod<TService, TRequest, TResponse>), invoker));

        /// <summary>The service's and the method's attributes ([Authorize], [AllowAnonymous]), as the library collects them.</summary>
        private static List<object> Metadata(string name, System.Type[] parameters, out MethodInfo invoker)
        {
            invoker = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters)
                      ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}.");
            return [.. typeof(TService).GetCustomAttributes(inherit: true), .. invoker.GetCustomAttributes(inherit: true),
                new HttpMethodMetadata(["POST"], acceptCorsPreflight: true)];
        }

        private static Method<TRequest, TResponse> Parsing<TRequest, TResponse>(Method<TRequest, TResponse> method) where TRequest : class where TResponse : class
        {
            var parse = method.RequestMarshaller.ContextualDeserializer;
            var descriptor = typeof(TRequest).GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as MessageDescriptor;
            var marshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
            {
                try
                {
                    return parse(context);
                }
                catch (InvalidProtocolBufferException)
                {
                    // Well-formed but for a string that is not UTF-8: the client's input, so INVALID_ARGUMENT naming the field.
                    if (descriptor is not null && InvalidUtf8Finder.Find(descriptor, context.PayloadAsReadOnlySequence()) is { } field)
                        throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: is not valid UTF-8."));
                    throw new RpcException(new Status(StatusCode.Internal, $"The request is not a valid {typeof(TRequest).Name} message."));
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }
    }
}
