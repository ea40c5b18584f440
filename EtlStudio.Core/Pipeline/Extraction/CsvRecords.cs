using System.Runtime.CompilerServices;
using System.Text;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// The records of a CSV object (RFC 4180: comma-separated, a header row naming the columns, fields in double quotes may
/// hold commas, quotes doubled and line breaks), streamed. Values stay text; the extract step converts them. An empty
/// unquoted field is NULL, an empty quoted one ("") the empty string.
/// </summary>
internal static class CsvRecords
{
    public static async IAsyncEnumerable<object?[]> ReadAsync(Stream body, SourceRequest source, string what, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        var header = await ReadRecordAsync(reader, what, ct);
        if (header is null) yield break;
        var indexes = header.Select(h => source.ColumnIndex(h?.Trim() ?? "")).ToArray();
        var line = 1;
        while (await ReadRecordAsync(reader, what, ct) is { } fields)
        {
            line++;
            if (fields.Count == 1 && fields[0] is null) continue; // a blank line
            if (fields.Count != header.Count)
                throw new PipelineFailure(PipelineStep.Extract, $"{what}: record {line} has {fields.Count} fields where the header has {header.Count}.");
            var row = new object?[source.Columns.Count];
            for (var i = 0; i < fields.Count; i++)
                if (indexes[i] >= 0) row[indexes[i]] = fields[i];
            yield return row;
        }
    }

    /// <summary>One record's fields, or null at the end of the text.</summary>
    private static async Task<List<string?>?> ReadRecordAsync(StreamReader reader, string what, CancellationToken ct)
    {
        var buffer = new char[1];
        var fields = new List<string?>();
        var field = new StringBuilder();
        bool quoted = false, inQuotes = false;
        while (true)
        {
            if (await reader.ReadAsync(buffer.AsMemory(), ct) == 0)
            {
                if (inQuotes) throw new PipelineFailure(PipelineStep.Extract, $"{what} ends inside a quoted field.");
                if (fields.Count == 0 && field.Length == 0 && !quoted) return null;
                break;
            }
            var c = buffer[0];
            if (inQuotes)
            {
                if (c != '"') field.Append(c);
                else if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                else inQuotes = false;
                continue;
            }
            if (c == '"' && field.Length == 0 && !quoted) { quoted = inQuotes = true; continue; }
            if (c == ',') { fields.Add(quoted || field.Length > 0 ? field.ToString() : null); field.Clear(); quoted = false; continue; }
            if (c == '\r') continue;
            if (c == '\n') break;
            field.Append(c);
        }
        fields.Add(quoted || field.Length > 0 ? field.ToString() : null);
        return fields;
    }
}
