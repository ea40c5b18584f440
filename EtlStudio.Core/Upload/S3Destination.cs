using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using EtlStudio.Core.Connections;
using S3Location = EtlStudio.Core.Connections.S3Location;

namespace EtlStudio.Core.Upload;

/// <summary>
/// The layout of an S3 data module under its prefix: <c>v{N}/{table}/part-{k}.parquet</c>, <c>v{N}/croissant.json</c>
/// (the version's metadata, written after its parts) and <c>current.json</c>, the pointer to the current version, written
/// last. A reader that starts from the pointer only ever finds complete versions.
/// </summary>
internal static class S3Destination
{
    public const string PointerName = "current.json";
    public const string MetadataName = "croissant.json";

    public static string VersionDir(int version) => "v" + version.ToString(CultureInfo.InvariantCulture);

    public static string PartName(string table, int part) => $"{table}/part-{part.ToString("D5", CultureInfo.InvariantCulture)}.parquet";

    public static string MetadataKey(S3Location at, int version) => at.Key(VersionDir(version) + "/" + MetadataName);

    public static string Url(S3Location at, string key) => $"s3://{at.Bucket}/{key}";

    /// <summary>The highest <c>v{N}/</c> under the prefix (parts of an unfinished version count: their number is taken).</summary>
    public static async Task<int> HighestVersionAsync(IAmazonS3 s3, S3Location at, CancellationToken ct)
    {
        var highest = 0;
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = at.Bucket, Prefix = at.Key(""), Delimiter = "/", ContinuationToken = token,
            }, ct);
            foreach (var p in page.CommonPrefixes ?? [])
            {
                var name = p[at.Key("").Length..].TrimEnd('/');
                if (name.Length > 1 && name[0] == 'v' && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) highest = Math.Max(highest, n);
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return highest;
    }

    /// <summary>Every key under <paramref name="prefix"/> (a folder: ends with '/').</summary>
    public static async Task<List<string>> KeysAsync(IAmazonS3 s3, S3Location at, string prefix, CancellationToken ct)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = at.Bucket, Prefix = prefix, ContinuationToken = token }, ct);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return keys;
    }

    /// <summary>The object's text, or null when there is none.</summary>
    public static async Task<string?> ReadTextAsync(IAmazonS3 s3, S3Location at, string key, CancellationToken ct)
    {
        try
        {
            using var response = await s3.GetObjectAsync(at.Bucket, key, ct);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return await reader.ReadToEndAsync(ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    public static Task PutTextAsync(IAmazonS3 s3, S3Location at, string key, string text, string contentType, CancellationToken ct) =>
        s3.PutObjectAsync(new PutObjectRequest { BucketName = at.Bucket, Key = key, ContentBody = text, ContentType = contentType, UseChunkEncoding = false }, ct);

    public static async Task<int?> PointerVersionAsync(IAmazonS3 s3, S3Location at, CancellationToken ct) =>
        await ReadTextAsync(s3, at, at.Key(PointerName), ct) is { } text && JsonNode.Parse(text)?["version"] is { } v ? v.GetValue<int>() : null;

    /// <summary>Makes a stored version current again; false when the bucket holds no metadata for it (never completed, or removed).</summary>
    public static async Task<bool> MakeCurrentAsync(S3Location at, int version, IEnumerable<string> tables, CancellationToken ct)
    {
        using var s3 = at.CreateClient();
        if (await ReadTextAsync(s3, at, MetadataKey(at, version), ct) is null) return false;
        await WritePointerAsync(s3, at, version, tables, ct);
        return true;
    }

    /// <summary>Points readers at <paramref name="version"/>: one small object replaced in one PUT, so they see the old pointer or the new one.</summary>
    public static Task WritePointerAsync(IAmazonS3 s3, S3Location at, int version, IEnumerable<string> tables, CancellationToken ct)
    {
        var dir = VersionDir(version);
        var pointer = new JsonObject
        {
            ["version"] = version,
            ["metadata"] = dir + "/" + MetadataName,
            ["tables"] = new JsonObject(tables.Select(t => KeyValuePair.Create(t, (JsonNode?)(dir + "/" + t + "/")))),
        };
        return PutTextAsync(s3, at, at.Key(PointerName), pointer.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), "application/json", ct);
    }
}
