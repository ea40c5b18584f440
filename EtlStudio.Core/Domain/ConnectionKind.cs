namespace EtlStudio.Core.Domain;

/// <summary>How EtlStudio talks to an external data module.</summary>
public enum ConnectionKind
{
    PostgreSql,
    HttpJson,
}
