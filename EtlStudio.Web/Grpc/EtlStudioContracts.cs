using Google.Protobuf.Reflection;

namespace EtlStudio.Web.Grpc;

/// <summary>The six contracts of protos/, all served: bound methods run, the rest answer UNIMPLEMENTED.</summary>
internal static class EtlStudioContracts
{
    public static readonly IReadOnlyList<FileDescriptor> Files =
    [
        Protos.UserManager.UserManagerReflection.Descriptor,
        Protos.ScriptManager.ScriptManagerReflection.Descriptor,
        Protos.TaskManager.TaskManagerReflection.Descriptor,
        Protos.DataManager.DataManagerReflection.Descriptor,
        Protos.ExtDatamoduleManager.ExtDatamoduleManagerReflection.Descriptor,
        Protos.AuditLogger.AuditLoggerReflection.Descriptor,
    ];
}
