namespace EtlStudio.Core.Domain;

/// <summary>The name people see for each kind of connection, the same on every page.</summary>
public static class ConnectionKindLabels
{
    public static string Label(this ConnectionKind kind) => kind switch
    {
        ConnectionKind.PostgreSql => "PostgreSQL",
        ConnectionKind.HttpJson => "HTTP JSON API",
        ConnectionKind.S3 => "S3 object storage",
        _ => kind.ToString(),
    };
}
