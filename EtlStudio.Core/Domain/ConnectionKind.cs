namespace EtlStudio.Core.Domain;

/// <summary>How EtlStudio talks to an external data module.</summary>
public enum ConnectionKind
{
    PostgreSql,
    HttpJson,
    /// <summary>S3-compatible object storage: versions as Parquet files with Croissant metadata (<see cref="Connections.S3Location"/>).</summary>
    S3,
}
