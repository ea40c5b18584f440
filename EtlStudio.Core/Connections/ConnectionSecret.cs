using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Connections;

/// <summary>Decrypted connection details, for the pipeline and the connection test only. Never logged.</summary>
public sealed record ConnectionSecret(Guid ConnectionId, ConnectionKind Kind, string Value)
{
    public override string ToString() => $"ConnectionSecret({ConnectionId}, {Kind}, ***)";

    /// <summary>For HTTP: the first line is the base URL, further lines are headers <c>Name: value</c>.</summary>
    public (Uri BaseUrl, IReadOnlyList<KeyValuePair<string, string>> Headers) AsHttp()
    {
        var lines = Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .Select(p => new KeyValuePair<string, string>(p[0].Trim(), p[1].Trim())).ToList();
        return (new Uri(lines[0]), headers);
    }
}
