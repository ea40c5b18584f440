using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace EtlStudio.Web.Grpc;

/// <summary>Every bound method by path, plus the file descriptors reflection serves.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, GrpcMethod> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<HttpContext, Task>> _streaming = new(StringComparer.Ordinal);
    private readonly List<ServiceDescriptor> _services = [];

    public GrpcServiceRegistry(IEnumerable<IGrpcService> adapters)
    {
        foreach (var adapter in adapters)
        {
            var binder = new GrpcServiceBinderFactory(_methods).Create(adapter);
            _services.Add(binder.Service);
        }
    }

    public IReadOnlyList<ServiceDescriptor> Services => _services;

    /// <summary>Declares a contract's service even where no adapter binds it yet: reflection lists it, its methods answer UNIMPLEMENTED.</summary>
    public void Declare(ServiceDescriptor service)
    {
        if (_services.All(s => s.FullName != service.FullName)) _services.Add(service);
    }

    public GrpcMethod? FindUnary(string path) => _methods.GetValueOrDefault(path);

    public Func<HttpContext, Task>? FindStreaming(string path) => _streaming.GetValueOrDefault(path);

    public void AddStreaming(ServiceDescriptor service, string method, Func<HttpContext, Task> handler)
    {
        if (service.FindMethodByName(method) is null) throw new InvalidOperationException($"{service.FullName} has no method {method}.");
        _streaming[$"/{service.FullName}/{method}"] = handler;
        if (!_services.Contains(service)) _services.Add(service);
    }
}
