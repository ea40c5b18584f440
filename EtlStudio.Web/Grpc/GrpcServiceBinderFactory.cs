using Google.Protobuf.Reflection;

namespace EtlStudio.Web.Grpc;

/// <summary>Creates the binder an adapter registers its methods with; the adapter names its service through <see cref="GrpcServiceAttribute"/>.</summary>
internal sealed class GrpcServiceBinderFactory(Dictionary<string, GrpcMethod> methods)
{
    public GrpcServiceBinder Create(IGrpcService adapter)
    {
        var attribute = (GrpcServiceAttribute?)Attribute.GetCustomAttribute(adapter.GetType(), typeof(GrpcServiceAttribute))
                        ?? throw new InvalidOperationException($"{adapter.GetType().Name} needs [GrpcService(typeof(XxxReflection), \"Service\")].");
        var file = (FileDescriptor)attribute.ReflectionType.GetProperty("Descriptor")!.GetValue(null)!;
        var service = file.Services.FirstOrDefault(s => s.Name == attribute.ServiceName)
                      ?? throw new InvalidOperationException($"{file.Name} declares no service {attribute.ServiceName}.");
        var binder = new GrpcServiceBinder(service, methods);
        adapter.Register(binder);
        return binder;
    }
}
