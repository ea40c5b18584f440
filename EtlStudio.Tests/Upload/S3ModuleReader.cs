using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.S3;
using EtlStudio.Core.Connections;
using ParquetSharp;

namespace EtlStudio.Tests.Uploads;

/// <summary>
/// What an ML team's reader does with an S3 data module, written without EtlStudio's code: follow <c>current.json</c> to
/// the version's Croissant document, fetch every FileObject, check its sha256, and read the Parquet parts with ParquetSharp
/// (Apache Arrow's C++ reader, not the writer's library).
/// </summary>
public sealed class S3ModuleReader(S3Location at) : IDisposable
{
    private readonly IAmazonS3 _s3 = at.CreateClient();

    public sealed record Table(IReadOnlyList<string> Columns, IReadOnlyList<string> Types, IReadOnlyList<object?[]> Rows);

    public sealed record Version(int Number, JsonObject Metadata, IReadOnlyDictionary<string, Table> Tables);

    public async Task<string?> TextAsync(string relativeKey)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(at.Bucket, at.Key(relativeKey));
            using var reader = new StreamReader(response.ResponseStream);
            return await reader.ReadToEndAsync();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    public async Task<List<string>> KeysAsync(string relativePrefix)
    {
        var listed = await _s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = at.Bucket, Prefix = at.Key(relativePrefix), MaxKeys = 1000 });
        return (listed.S3Objects ?? []).Select(o => o.Key[(at.Key("").Length)..]).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The version the pointer names.</summary>
    public async Task<Version> CurrentAsync()
    {
        var pointer = JsonNode.Parse(await TextAsync("current.json") ?? throw new InvalidOperationException("No current.json."))!;
        return await ReadAsync((string)pointer["metadata"]!);
    }

    /// <summary>A version through its metadata document; throws when a file's bytes do not match its sha256.</summary>
    public async Task<Version> ReadAsync(string metadataKey)
    {
        var metadata = JsonNode.Parse(await TextAsync(metadataKey) ?? throw new InvalidOperationException($"No {metadataKey}."))!.AsObject();
        var files = metadata["distribution"]!.AsArray().OfType<JsonObject>().Where(d => (string?)d["@type"] == "cr:FileObject")
            .ToDictionary(d => (string)d["@id"]!);
        var tables = new Dictionary<string, Table>();
        foreach (var set in metadata["distribution"]!.AsArray().OfType<JsonObject>().Where(d => (string?)d["@type"] == "cr:FileSet"))
        {
            var table = ((string)set["@id"]!).Split('/')[0];
            var rows = new List<object?[]>();
            IReadOnlyList<string> columns = [], types = [];
            foreach (var member in set["containedIn"]!.AsArray())
            {
                var file = files[(string)member!["@id"]!];
                var url = new Uri((string)file["contentUrl"]!);
                Assert.Equal(("s3", at.Bucket), (url.Scheme, url.Host));
                var path = Path.GetTempFileName();
                try
                {
                    using (var response = await _s3.GetObjectAsync(at.Bucket, url.AbsolutePath.TrimStart('/')))
                    await using (var output = File.Create(path)) await response.ResponseStream.CopyToAsync(output);
                    var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
                    if (sha != (string?)file["sha256"]) throw new InvalidDataException($"{file["@id"]}: sha256 {sha} does not match the metadata's {file["sha256"]}.");
                    (columns, types) = ReadParquet(path, rows);
                }
                finally { File.Delete(path); }
            }
            tables[table] = new Table(columns, types, rows);
        }
        return new Version(int.Parse((string)metadata["version"]!), metadata, tables);
    }

    private static (IReadOnlyList<string> Columns, IReadOnlyList<string> Types) ReadParquet(string path, List<object?[]> rows)
    {
        using var file = new ParquetFileReader(path);
        var schema = file.FileMetaData.Schema;
        var columns = Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i)).ToList();
        var types = columns.Select(TypeOf).ToList();
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            var n = checked((int)group.MetaData.NumRows);
            var values = new object?[columns.Count][];
            for (var c = 0; c < columns.Count; c++)
            {
                using var reader = group.Column(c);
                values[c] = types[c] switch
                {
                    "INT64" => reader.LogicalReader<long?>().ReadAll(n).Select(v => (object?)v).ToArray(),
                    "DOUBLE" => reader.LogicalReader<double?>().ReadAll(n).Select(v => (object?)v).ToArray(),
                    "BOOLEAN" => reader.LogicalReader<bool?>().ReadAll(n).Select(v => (object?)v).ToArray(),
                    "STRING" => reader.LogicalReader<string?>().ReadAll(n).Select(v => (object?)v).ToArray(),
                    "DATE" => reader.LogicalReader<Date?>().ReadAll(n).Select(v => (object?)(v is { } d ? DateOnly.FromDateTime(d.DateTime) : null)).ToArray(),
                    "TIMESTAMP(MICROS,UTC)" => reader.LogicalReader<DateTime?>().ReadAll(n).Select(v => (object?)(v is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null)).ToArray(),
                    var other => throw new InvalidDataException($"Unexpected Parquet type {other}."),
                };
            }
            for (var r = 0; r < n; r++) rows.Add(values.Select(v => v[r]).ToArray());
        }
        return (columns.Select(c => c.Name).ToList(), types);
    }

    private static string TypeOf(ColumnDescriptor c) => (c.PhysicalType, c.LogicalType) switch
    {
        (PhysicalType.Int64, TimestampLogicalType ts) => $"TIMESTAMP({ts.TimeUnit.ToString().ToUpperInvariant()},{(ts.IsAdjustedToUtc ? "UTC" : "LOCAL")})",
        (PhysicalType.Int64, _) => "INT64",
        (PhysicalType.Double, _) => "DOUBLE",
        (PhysicalType.Boolean, _) => "BOOLEAN",
        (PhysicalType.ByteArray, StringLogicalType) => "STRING",
        (PhysicalType.Int32, DateLogicalType) => "DATE",
        var (p, l) => $"{p}/{l}",
    };

    public void Dispose() => _s3.Dispose();
}
