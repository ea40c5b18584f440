using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// Sends an extraction request to an HTTP JSON source and streams the records of its response. A top-level array
/// streams element by element (memory stays flat however long it is); records inside a document (<c>records</c> is
/// a JSON Pointer) are read from the parsed document, up to <see cref="PipelineOptions.MaxDocumentBytes"/>.
/// </summary>
internal static class HttpJsonSourceReader
{
    public static async IAsyncEnumerable<object?[]> ReadAsync(SourceRequest source, HttpClient http, long maxDocumentBytes,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var request = source.Http ?? throw new PipelineFailure(PipelineStep.Extract, $"The extraction script for table '{source.Table}' is not an HTTP request.");
        var (baseUrl, headers) = source.Secret.AsHttp();
        var path = request.Path;
        if (request.Query is { Count: > 0 } q)
            path += (path.Contains('?') ? "&" : "?") + string.Join("&", q.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(baseUrl.ToString().TrimEnd('/') + path));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers.Concat(request.Headers ?? new Dictionary<string, string>()))
            message.Headers.TryAddWithoutValidation(name, value);
        if (request.Body is { } body) message.Content = new StringContent(body.GetRawText(), Encoding.UTF8, "application/json");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(source.Timeout);
        HttpResponseMessage response;
        try { response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token); }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new PipelineFailure(PipelineStep.Extract, $"Source '{source.Name}' could not be reached: {SourceErrors.Describe(ex)}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new PipelineFailure(PipelineStep.Extract, $"Source '{source.Name}' answered {(int)response.StatusCode} {response.ReasonPhrase} to {request.Method} {request.Path}.");
            await using var raw = await response.Content.ReadAsStreamAsync(timeout.Token);
            var stream = await PeekedStream.OpenAsync(raw, timeout.Token);
            var what = $"The response of source '{source.Name}' for table '{source.Table}'";
            IAsyncEnumerable<JsonElement> records;
            if (string.IsNullOrEmpty(request.Records))
            {
                if (stream.First != '[')
                    throw new PipelineFailure(PipelineStep.Extract, stream.First == '{'
                        ? $"{what} is a JSON object, not an array of records; set \"records\" to the JSON Pointer of the array."
                        : $"{what} is not JSON (it starts with '{Printable(stream.First)}').");
                records = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: timeout.Token);
            }
            else
            {
                if (response.Content.Headers.ContentLength > maxDocumentBytes)
                    throw new PipelineFailure(PipelineStep.Extract, $"{what} is larger than {maxDocumentBytes / (1024 * 1024)} MiB; return a top-level array to stream it.");
                records = Pointed(stream, request.Records, what, maxDocumentBytes, timeout.Token);
            }
            var count = 0L;
            await using var e = records.GetAsyncEnumerator(timeout.Token);
            while (true)
            {
                try
                {
                    if (!await e.MoveNextAsync()) break;
                }
                catch (JsonException j) { throw new PipelineFailure(PipelineStep.Extract, $"{what} is not valid JSON (near line {j.LineNumber + 1}).", j); }
                catch (TaskCanceledException ex) when (!ct.IsCancellationRequested) { throw new PipelineFailure(PipelineStep.Extract, $"{what} took longer than {source.Timeout}.", ex); }
                catch (IOException ex) { throw new PipelineFailure(PipelineStep.Extract, $"{what} broke off: {ex.Message}", ex); }
                count++;
                var record = e.Current;
                if (record.ValueKind != JsonValueKind.Object)
                    throw new PipelineFailure(PipelineStep.Extract, $"{what}: record {count} is {Kind(record.ValueKind)}, not a JSON object.");
                var row = new object?[source.Columns.Count];
                foreach (var property in record.EnumerateObject())
                {
                    var i = source.ColumnIndex(property.Name);
                    if (i >= 0) row[i] = property.Value;
                }
                yield return row;
                if (source.Limit is { } limit && count >= limit) yield break;
            }
        }
    }

    private static async IAsyncEnumerable<JsonElement> Pointed(Stream stream, string pointer, string what, long max,
        [EnumeratorCancellation] CancellationToken ct)
    {
        JsonDocument document;
        try { document = await JsonDocument.ParseAsync(new LimitedStream(stream, max), default, ct); }
        catch (JsonException j) { throw new PipelineFailure(PipelineStep.Extract, $"{what} is not valid JSON (near line {j.LineNumber + 1}).", j); }
        catch (IOException io) { throw new PipelineFailure(PipelineStep.Extract, $"{what}: {io.Message}.", io); }
        using (document)
        {
            var node = document.RootElement;
            foreach (var segment in pointer.Split('/').Skip(1).Select(s => s.Replace("~1", "/").Replace("~0", "~")))
            {
                if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(segment, out var child)) node = child;
                else if (node.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < node.GetArrayLength()) node = node[index];
                else throw new PipelineFailure(PipelineStep.Extract, $"{what} has nothing at \"{pointer}\".");
            }
            if (node.ValueKind != JsonValueKind.Array)
                throw new PipelineFailure(PipelineStep.Extract, $"{what} has {Kind(node.ValueKind)} at \"{pointer}\", not an array of records.");
            foreach (var record in node.EnumerateArray()) yield return record.Clone();
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Printable(int c) => c < 0 ? "nothing" : c is >= 0x20 and < 0x7F ? ((char)c).ToString() : $"0x{c:X2}";
}
