using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using EtlStudio.Core.Connections;
using S3Location = EtlStudio.Core.Connections.S3Location;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Publishes an outbox to an S3 data module (<see cref="S3Destination"/> layout): claims the version number once for the
/// run, writes each table as Parquet parts (recorded after each is stored, so a resume skips them and rewrites a lost
/// one under the same key), removes anything else under the version's table folders, then writes the version's
/// Croissant metadata (kept if an earlier attempt wrote it) and — last — moves the pointer, never backwards. Logs where
/// the attempt's time went, so an operator can tell a slow outbox read from a slow store.
/// </summary>
internal sealed partial class S3Uploader(NpgsqlDataSource staging, S3UploadLedger ledger, IOptions<UploadOptions> options, IEnumerable<IUploadFaults> faults,
    ILogger<S3Uploader> logger)
{
    public delegate Task<string> MetadataBuilder(int version, PublishedVersion published, CancellationToken ct);

    /// <param name="timings">Where the time went (reading, encoding, storing), for whoever measures besides the log.</param>
    public async Task<PublishedVersion> UploadAsync(Guid runId, Guid connectionId, string schema, IReadOnlyList<OutboxTable> tables, ConnectionSecret secret,
        int appMaxVersion, MetadataBuilder buildMetadata, CancellationToken ct, S3UploadTimings? timings = null)
    {
        var started = Stopwatch.GetTimestamp();
        timings ??= new S3UploadTimings();
        var at = S3Location.Parse(secret.Value);
        using var s3 = at.CreateClient();
        var version = await ledger.ClaimAsync(runId, connectionId, Math.Max(appMaxVersion, await S3Destination.HighestVersionAsync(s3, at, ct)), ct);
        var dir = S3Destination.VersionDir(version);
        var writer = new ParquetPartWriter(staging, options.Value, timings);
        var published = new List<PublishedTable>();
        var files = new List<CroissantFiles.File>();
        foreach (var table in tables)
        {
            var parts = await ledger.PartsAsync(runId, table.Name, ct);
            await writer.WriteAsync(schema, table, parts.Count, async part =>
            {
                var key = at.Key(dir + "/" + S3Destination.PartName(table.Name, part.Number));
                var recorded = await PutPartAsync(s3, at, key, table.Name, part, ct);
                await ledger.RecordAsync(runId, recorded, ct);
                parts.Add(recorded);
                foreach (var f in faults) await f.AfterPartAsync(runId, table.Name, part.Number, ct);
            }, ct);
            await RemoveStraysAsync(s3, at, at.Key(dir + "/" + table.Name + "/"), parts, ct);
            published.Add(new PublishedTable(table.Name, S3Destination.Url(at, at.Key(dir + "/" + table.Name + "/")), parts.Sum(p => p.Rows), parts.Count));
            files.AddRange(parts.Select(p => new CroissantFiles.File(table.Name, S3Destination.PartName(table.Name, p.Part), S3Destination.Url(at, p.Key), p.Bytes, p.Sha256)));
        }
        foreach (var f in faults) await f.BeforeCommitAsync(runId, ct);

        var metadataKey = S3Destination.MetadataKey(at, version);
        var result = new PublishedVersion(version, published);
        var metadata = await S3Destination.ReadTextAsync(s3, at, metadataKey, ct);
        if (metadata is null)
        {
            metadata = CroissantFiles.Attach(await buildMetadata(version, result, ct), files);
            await S3Destination.PutTextAsync(s3, at, metadataKey, metadata, "application/ld+json", ct);
        }
        foreach (var f in faults) await f.AfterMetadataAsync(runId, ct);

        // A later version published while this upload was interrupted stays current.
        if ((await S3Destination.PointerVersionAsync(s3, at, ct) ?? 0) <= version)
            await S3Destination.WritePointerAsync(s3, at, version, published.Select(t => t.Name), ct);
        foreach (var f in faults) await f.AfterCommitAsync(runId, ct);
        Uploaded(logger, runId, version, published.Sum(t => t.Rows), files.Count, files.Sum(f => f.Bytes), Stopwatch.GetElapsedTime(started).TotalSeconds,
            timings.Read.TotalSeconds, timings.Encode.TotalSeconds, timings.Store.TotalSeconds);
        return result with { MetadataJson = metadata };
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Run {RunId} uploaded to S3 as version {Version}: {Rows} rows in {Parts} Parquet parts, "
        + "{Bytes} bytes, in {Seconds:F2} s; this attempt read the outbox for {ReadSeconds:F2} s, encoded Parquet for {EncodeSeconds:F2} s and stored parts "
        + "for {StoreSeconds:F2} s (summed over its parts: overlapped steps run side by side)")]
    private static partial void Uploaded(ILogger logger, Guid runId, int version, long rows, int parts, long bytes, double seconds,
        double readSeconds, double encodeSeconds, double storeSeconds);

    private static async Task<S3UploadLedger.RecordedPart> PutPartAsync(IAmazonS3 s3, S3Location at, string key, string table, ParquetPartWriter.Part part, CancellationToken ct)
    {
        string sha256;
        await using (var file = File.OpenRead(part.Path)) sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        var request = new PutObjectRequest
        {
            BucketName = at.Bucket, Key = key, FilePath = part.Path, ContentType = CroissantFiles.ParquetFormat, UseChunkEncoding = false,
        };
        request.Metadata["sha256"] = sha256;
        await s3.PutObjectAsync(request, ct);
        return new S3UploadLedger.RecordedPart(table, part.Number, key, part.Rows, new FileInfo(part.Path).Length, sha256);
    }

    /// <summary>Objects under a table's folder that are not recorded parts (from an attempt written differently) would be read as data: delete them.</summary>
    private static async Task RemoveStraysAsync(IAmazonS3 s3, S3Location at, string folder, IReadOnlyList<S3UploadLedger.RecordedPart> parts, CancellationToken ct)
    {
        var wanted = parts.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in (await S3Destination.KeysAsync(s3, at, folder, ct)).Where(k => !wanted.Contains(k)))
            await s3.DeleteObjectAsync(at.Bucket, key, ct);
    }
}
