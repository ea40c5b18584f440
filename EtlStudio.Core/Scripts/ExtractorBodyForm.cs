namespace EtlStudio.Core.Scripts;

/// <summary>What an extraction script's body is: a SQL query (PostgreSQL source) or an HTTP request (HTTP JSON source).</summary>
public enum ExtractorBodyForm
{
    Sql,
    Http,
}
