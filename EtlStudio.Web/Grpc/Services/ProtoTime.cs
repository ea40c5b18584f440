using Google.Protobuf.WellKnownTypes;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>Conversions between protobuf well-known types and .NET values shared by the adapters.</summary>
internal static class ProtoTime
{
    public static Timestamp? ToProto(this DateTimeOffset? value) => value is { } v ? Timestamp.FromDateTimeOffset(v) : null;
    public static Timestamp ToProto(this DateTimeOffset value) => Timestamp.FromDateTimeOffset(value);
    public static DateTimeOffset? FromProto(this Timestamp? value) => value is null ? null : value.ToDateTimeOffset();
}
