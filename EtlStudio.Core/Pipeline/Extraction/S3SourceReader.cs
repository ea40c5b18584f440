using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EtlStudio.Core.Connections;
using S3Location = EtlStudio.Core.Connections.S3Location;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// Reads the objects under a key prefix of an S3 source (the extraction script's body, relative to the connection's
/// prefix), in key order: Parquet (<c>.parquet</c>, one row group at a time), CSV with a header row (<c>.csv</c>) and JSON
/// lines (<c>.jsonl</c>, <c>.ndjson</c>), streamed record by record; other objects are left alone. Columns are matched
/// by name, case-insensitively; values are converted by the extract step like any source's.
/// </summary>
internal static class S3SourceReader
{
    /// <summary>Whether an extraction script's body can be an object key prefix.</summary>
    public static bool IsObjectPrefix(string body)
    {
        var b = body.Trim();
        return b.Length is > 0 and <= 1024 && !b.Contains('\n') && !b.Split('/').Any(s => s is "." or "..");
    }

    public static async IAsyncEnumerable<object?[]> ReadAsync(SourceRequest source, [EnumeratorCancellation] CancellationToken ct)
    {
        var at = S3Location.Parse(source.Secret.Value);
        using var s3 = at.CreateClient();
        var prefix = at.Key(source.Body.Trim().TrimStart('/'));
        var keys = new List<string>();
        string? token = null;
        do
        {
            ListObjectsV2Response page;
            try { page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = at.Bucket, Prefix = prefix, ContinuationToken = token }, ct); }
            catch (AmazonServiceException e) { throw Unreachable(source, e); }
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key).Where(k => FormatOf(k) is not null));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        if (keys.Count == 0)
            throw new PipelineFailure(PipelineStep.Extract, $"Source '{source.Name}' has no Parquet, CSV or JSON-lines objects under s3://{at.Bucket}/{prefix}.");
        long count = 0;
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            var what = $"Object s3://{at.Bucket}/{key} of source '{source.Name}'";
            await foreach (var row in ReadObjectAsync(s3, at, key, FormatOf(key)!, source, what, ct))
            {
                yield return row;
                if (source.Limit is { } limit && ++count >= limit) yield break;
            }
        }
    }

    private static string? FormatOf(string key) => Path.GetExtension(key).ToLowerInvariant() switch
    {
        ".parquet" => "parquet",
        ".csv" => "csv",
        ".jsonl" or ".ndjson" => "jsonl",
        _ => null,
    };

    private static async IAsyncEnumerable<object?[]> ReadObjectAsync(IAmazonS3 s3, S3Location at, string key, string format, SourceRequest source, string what,
        [EnumeratorCancellation] CancellationToken ct)
    {
        GetObjectResponse response;
        try { response = await s3.GetObjectAsync(at.Bucket, key, ct); }
        catch (AmazonServiceException e) { throw Unreachable(source, e); }
        using (response)
        {
            var records = format switch
            {
                "parquet" => ParquetRecords.ReadAsync(response.ResponseStream, source, what, ct),
                "csv" => CsvRecords.ReadAsync(response.ResponseStream, source, what, ct),
                _ => JsonLinesAsync(response.ResponseStream, source, what, ct),
            };
            await foreach (var row in records) yield return row;
        }
    }

    private static async IAsyncEnumerable<object?[]> JsonLinesAsync(Stream stream, SourceRequest source, string what, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(stream);
        var line = 0;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement record;
            try { record = JsonSerializer.Deserialize<JsonElement>(text); }
            catch (JsonException j) { throw new PipelineFailure(PipelineStep.Extract, $"{what}: line {line} is not valid JSON.", j); }
            if (record.ValueKind != JsonValueKind.Object) throw new PipelineFailure(PipelineStep.Extract, $"{what}: line {line} is not a JSON object.");
            var row = new object?[source.Columns.Count];
            foreach (var property in record.EnumerateObject())
                if (source.ColumnIndex(property.Name) is var i and >= 0) row[i] = property.Value;
            yield return row;
        }
    }

    private static PipelineFailure Unreachable(SourceRequest source, AmazonServiceException e) =>
        new(PipelineStep.Extract, e is AmazonS3Exception s3
            ? $"Source '{source.Name}' refused: {s3.ErrorCode} (HTTP {(int)s3.StatusCode})."
            : $"Source '{source.Name}' could not be reached.", e);
}
