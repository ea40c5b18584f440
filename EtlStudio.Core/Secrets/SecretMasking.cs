namespace EtlStudio.Core.Secrets;

/// <summary>Renders connection details for display with only host, port, database and user (or the URL without headers) kept.</summary>
public static class SecretMasking
{
    public static string Hint(Domain.ConnectionKind kind, string secret)
    {
        if (kind == Domain.ConnectionKind.S3)
            return Connections.S3Location.TryParse(secret, out var s3, out _) ? s3!.Hint : "(S3 location)";
        if (kind == Domain.ConnectionKind.HttpJson)
        {
            var firstLine = secret.Split('\n', 2)[0].Trim();
            return Uri.TryCreate(firstLine, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}" : "(HTTP endpoint)";
        }
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(secret);
            return $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username};Password=•••";
        }
        catch (ArgumentException)
        {
            return "(connection string)";
        }
    }
}
