namespace EtlStudio.Web.Grpc;

/// <summary>Names the protobuf service an adapter serves: the generated <c>XxxReflection</c> class and the service name.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class GrpcServiceAttribute(Type reflectionType, string serviceName) : Attribute
{
    public Type ReflectionType { get; } = reflectionType;
    public string ServiceName { get; } = serviceName;
}
