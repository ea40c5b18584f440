namespace EtlStudio.Web.Grpc.Protocol;

/// <summary>Header and trailer names of the gRPC over HTTP/2 protocol (grpc/doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcHeaders
{
    public const string ContentType = "application/grpc";
    public const string Status = "grpc-status";
    public const string StatusOk = "0";
    public const string Message = "grpc-message";
    public const string Timeout = "grpc-timeout";
    public const string Encoding = "grpc-encoding";
    public const string AcceptEncoding = "grpc-accept-encoding";
    public const string SupportedEncodings = "identity,gzip";
    public const string Identity = "identity";
    public const string Gzip = "gzip";
}
