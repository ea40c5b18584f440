using System.Data.Common;

namespace EtlStudio.Core.Secrets;

/// <summary>Renders connection details for display with passwords, tokens and keys left out.</summary>
public static class SecretMasking
{
    private static readonly string[] SecretKeys = ["password", "pwd", "token", "secret", "apikey", "api key", "authorization", "key"];

    public static string Hint(Domain.ConnectionKind kind, string secret)
    {
        if (kind == Domain.ConnectionKind.HttpJson)
        {
            var firstLine = secret.Split('\n', 2)[0].Trim();
            return Uri.TryCreate(firstLine, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}" : "(HTTP endpoint)";
        }
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = secret };
            var shown = builder.Keys.Cast<string>()
                .Where(k => !SecretKeys.Any(s => k.Contains(s, StringComparison.OrdinalIgnoreCase)))
                .Select(k => $"{k}={builder[k]}");
            return string.Join(";", shown) + ";Password=•••";
        }
        catch (ArgumentException)
        {
            return "(connection string)";
        }
    }
}
