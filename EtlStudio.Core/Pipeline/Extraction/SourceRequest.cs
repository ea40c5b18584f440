using EtlStudio.Core.Connections;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>One extraction: the source (decrypted, never logged), its script, the table's columns and an optional sample limit.</summary>
internal sealed class SourceRequest(string table, string name, ConnectionSecret secret, ResolvedExtraction extraction,
    IReadOnlyList<ResolvedColumn> columns, int? limit, TimeSpan timeout)
{
    private readonly Dictionary<string, int> _index = columns.Select((c, i) => (c.Name, i))
        .ToDictionary(x => x.Name, x => x.i, StringComparer.OrdinalIgnoreCase);

    public string Table { get; } = table;
    public string Name { get; } = name;
    public ConnectionSecret Secret { get; } = secret;
    public string Body => extraction.Body;
    public HttpRequestDescription? Http => extraction.Http;
    public IReadOnlyList<ResolvedColumn> Columns { get; } = columns;
    public int? Limit { get; } = limit;
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>The position of a source column among the table's columns, or -1 when the table has no such column.</summary>
    public int ColumnIndex(string name) => _index.GetValueOrDefault(name, -1);
}
