using System.Globalization;
using System.Text.Json.Nodes;
using EtlStudio.Core.Common;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Tests.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Uploads;

/// <summary>
/// Issue 31: an outbox uploaded to a real S3 API server (s3rver) as Parquet parts, Croissant metadata and a pointer, read
/// back by an independent reader (<see cref="S3ModuleReader"/>). OutboxCore cuts tables into parts of 10 rows in row
/// groups of 4, so these small tables already span several parts and groups.
/// </summary>
public sealed class S3UploadTests(OutboxCore core, S3TestServer s3) : IClassFixture<OutboxCore>, IClassFixture<S3TestServer>
{
    private static readonly DateTime Epoch = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private UploadService Uploads => core.Get<UploadService>();
    private IUploadExecutor Executor => core.Get<IUploadExecutor>();

    /// <summary>readings: one column of every type, each with NULLs at its own rhythm, and a non-ASCII string.</summary>
    private static StagedTable Readings(int count) => new("readings",
        [new("id", FieldType.Integer), new("label", FieldType.String), new("value", FieldType.Double), new("ok", FieldType.Boolean),
         new("day", FieldType.Date), new("at", FieldType.DateTime)],
        "id",
        Enumerable.Range(1, count).Select(i => new object?[]
        {
            (long)i * 1_000_000_007L, i % 5 == 0 ? null : i == 3 ? "grüße, 東京 🙂" : $"reading {i}", i % 7 == 0 ? null : i * -0.125 + 1e-9,
            i % 4 == 0 ? null : i % 3 == 0, i % 6 == 0 ? null : new DateOnly(1969 + i, 1 + i % 12, 1 + i % 28),
            i % 9 == 0 ? null : Epoch.AddDays(i).AddTicks(i * 123_450),
        }).ToList());

    private async Task<(OutboxWorld World, Core.Connections.S3Location Bucket)> WorldAsync()
    {
        var bucket = await s3.NewBucketAsync();
        return (await OutboxWorld.CreateAsync(core, bucket.Format(), ConnectionKind.S3), bucket);
    }

    private async Task<Guid> UploadAsync(OutboxWorld w, params StagedTable[] tables)
    {
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.S3, tables);
        await Uploads.RequestAsync(w.Manager, run.RunId);
        await Executor.ExecuteAsync(run.RunId, default);
        return run.RunId;
    }

    private static string Show(object? v) => v switch
    {
        null => "NULL",
        long l => "long " + l.ToString(CultureInfo.InvariantCulture),
        double d => "double " + d.ToString("R", CultureInfo.InvariantCulture),
        bool b => "bool " + b,
        string s => "string " + s,
        DateOnly d => "date " + d.ToString("O", CultureInfo.InvariantCulture),
        DateTime t => "timestamp " + t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        _ => v.GetType().Name + " " + v,
    };

    private static List<string> Lines(IEnumerable<object?[]> rows) => rows.Select(r => string.Join(" | ", r.Select(Show))).ToList();

    [Fact]
    public async Task An_outbox_read_back_by_ParquetSharp_through_the_pointer_equals_the_outbox_row_for_row_types_included()
    {
        var (w, bucket) = await WorldAsync();
        var readings = Readings(23);
        var runId = await UploadAsync(w, readings, OutboxWorld.People(12));

        using var reader = new S3ModuleReader(bucket);
        var version = await reader.CurrentAsync();
        Assert.Equal(1, version.Number);
        var table = version.Tables["readings"];
        Assert.Equal(["id", "label", "value", "ok", "day", "at"], table.Columns);
        Assert.Equal(["INT64", "STRING", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP(MICROS,UTC)"], table.Types);
        Assert.Equal(Lines(readings.Rows), Lines(table.Rows));
        Assert.Equal(Lines(OutboxWorld.People(12).Rows), Lines(version.Tables["people"].Rows));
        Assert.Equal(
            ["current.json", "v1/croissant.json", "v1/people/part-00000.parquet", "v1/people/part-00001.parquet",
             "v1/readings/part-00000.parquet", "v1/readings/part-00001.parquet", "v1/readings/part-00002.parquet"],
            await reader.KeysAsync(""));

        // EtlStudio keeps the very document stored beside the files.
        var exported = JsonNode.Parse(await core.Get<DataModuleService>().ExportMetadataAsync(w.DataManager, w.Destination))!;
        Assert.True(JsonNode.DeepEquals(version.Metadata, exported));
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(RunState.Uploaded, (await db.Runs.FirstAsync(r => r.Id == runId)).State);
        Assert.Equal(5, (await Uploads.GetProgressAsync(w.Manager, runId)).BatchesDone);
    }

    [Theory]
    [InlineData("part", 1)]            // mid-parts
    [InlineData("before-commit", 0)]   // every part stored, no metadata yet
    [InlineData("after-metadata", 0)]  // metadata stored, pointer not moved
    [InlineData("after-commit", 0)]    // pointer moved, EtlStudio has not recorded the version
    public async Task A_crash_at_any_point_and_a_resume_publish_one_version_with_exactly_its_parts(string point, int part)
    {
        var (w, bucket) = await WorldAsync();
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.S3, [Readings(23), OutboxWorld.People(12)]);
        await Uploads.RequestAsync(w.Manager, run.RunId);
        core.Faults.CrashOnce(run.RunId, point, part);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor.ExecuteAsync(run.RunId, default));
        using var reader = new S3ModuleReader(bucket);
        if (point != "after-commit") Assert.Null(await reader.TextAsync("current.json")); // a reader sees no version yet
        // Left by an attempt that cut the table differently: it must not survive into the version.
        using (var client = bucket.CreateClient())
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket.Bucket, Key = bucket.Key("v1/readings/part-00007.parquet"), ContentBody = "stray", UseChunkEncoding = false });
        await Executor.ExecuteAsync(run.RunId, default);
        await Executor.ExecuteAsync(run.RunId, default); // a duplicate job after success changes nothing

        Assert.Equal(
            ["v1/croissant.json", "v1/people/part-00000.parquet", "v1/people/part-00001.parquet",
             "v1/readings/part-00000.parquet", "v1/readings/part-00001.parquet", "v1/readings/part-00002.parquet"],
            await reader.KeysAsync("v1/"));
        Assert.Empty(await reader.KeysAsync("v2"));
        var version = await reader.CurrentAsync();
        Assert.Equal(1, version.Number);
        Assert.Equal(Lines(Readings(23).Rows), Lines(version.Tables["readings"].Rows));
        Assert.Equal(12, version.Tables["people"].Rows.Count);
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(RunState.Uploaded, (await db.Runs.FirstAsync(r => r.Id == run.RunId)).State);
        Assert.Equal(1, await db.DatamoduleVersions.CountAsync(v => v.ConnectionId == w.Destination));
        Assert.Equal(1, (await db.Connections.FirstAsync(c => c.Id == w.Destination)).Version);
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "upload.complete" && e.EntityId == run.RunId.ToString()));
    }

    [Fact]
    public async Task Parts_stored_while_the_next_is_encoded_are_the_very_objects_stored_one_after_the_other()
    {
        // 95 rows: ten parts, the last one short, each of three row groups (4, 4, 2) but the last.
        var plain = await PartsUploadedAsync(overlap: false, Readings(95));
        var overlapped = await PartsUploadedAsync(overlap: true, Readings(95));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v1/readings/part-{i:D5}.parquet"), plain.Select(p => p.Split(' ')[0]));
        Assert.Equal(plain, overlapped);
    }

    [Fact]
    public async Task An_upload_logs_its_version_rows_parts_and_where_its_time_went()
    {
        var log = new ListLogger<S3Uploader>();
        await PartsUploadedAsync(overlap: true, Readings(23), log);
        var entry = Assert.Single(log.Entries, e => e.EventId.Id == 7101);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Matches(@"^Run [0-9a-f-]{36} uploaded to S3 as version 1: 23 rows in 3 Parquet parts, \d+ bytes, in \d+\.\d\d s; this attempt read the outbox "
            + @"for \d+\.\d\d s, encoded Parquet for \d+\.\d\d s and stored parts for \d+\.\d\d s", entry.Message);
        // The connection's secret never reaches the log.
        Assert.DoesNotContain(S3TestServer.SecretKey, entry.Message);
    }

    /// <summary>An outbox uploaded by the uploader with parts overlapped or not: each stored part's key and the sha256 of its bytes.</summary>
    private async Task<List<string>> PartsUploadedAsync(bool overlap, StagedTable table, ListLogger<S3Uploader>? log = null)
    {
        var (w, bucket) = await WorldAsync();
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.S3, [table]);
        IReadOnlyList<Core.Pipeline.OutboxTable> tables;
        await using (var conn = new Npgsql.NpgsqlConnection(core.ConnectionString))
        {
            await conn.OpenAsync();
            tables = await Core.Outbox.OutboxCatalog.ReadAsync(conn, null, run.Schema, default);
        }
        var options = Microsoft.Extensions.Options.Options.Create(new UploadOptions { S3RowsPerPart = 10, S3RowsPerRowGroup = 4, S3Overlap = overlap });
        var uploader = new S3Uploader(core.Get<Npgsql.NpgsqlDataSource>(), core.Get<S3UploadLedger>(), options, [], log ?? new ListLogger<S3Uploader>());
        await uploader.UploadAsync(run.RunId, w.Destination, run.Schema, tables, await core.Get<Core.Connections.ConnectionService>().GetSecretAsync(w.Destination), 0,
            (_, _, _) => Task.FromResult("""{"@context": {}, "recordSet": []}"""), default);
        using var client = bucket.CreateClient();
        using var reader = new S3ModuleReader(bucket);
        var parts = new List<string>();
        foreach (var key in (await reader.KeysAsync("v1/readings/")))
        {
            using var stored = await client.GetObjectAsync(bucket.Bucket, bucket.Key(key));
            parts.Add($"{key} {Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stored.ResponseStream))}");
        }
        return parts;
    }

    [Fact]
    public async Task Two_uploads_give_v1_and_v2_both_readable_and_v1_can_be_made_current_again()
    {
        var (w, bucket) = await WorldAsync();
        await UploadAsync(w, Readings(5));
        await UploadAsync(w, Readings(8));
        using var reader = new S3ModuleReader(bucket);
        Assert.Equal((2, 8), ((await reader.CurrentAsync()).Number, (await reader.CurrentAsync()).Tables["readings"].Rows.Count));
        Assert.Equal(5, (await reader.ReadAsync("v1/croissant.json")).Tables["readings"].Rows.Count);

        var modules = core.Get<DataModuleService>();
        await modules.MakeCurrentAsync(w.Manager, w.Destination, 1);

        var current = await reader.CurrentAsync();
        Assert.Equal((1, 5), (current.Number, current.Tables["readings"].Rows.Count));
        var module = (await modules.ListAsync(w.DataManager, new PageRequest(1, 100))).Items.Single(m => m.Id == w.Destination);
        Assert.Equal((1, 2), (module.CurrentVersion, module.VersionCount));
        Assert.Contains($"s3://{bucket.Bucket}/modules/shop/v1/readings/", module.CollectionProtocolJson);
    }

    [Fact]
    public async Task The_Croissant_document_expanded_by_jsonld_binds_every_field_to_files_whose_sha256_a_reader_checks()
    {
        var (w, bucket) = await WorldAsync();
        await UploadAsync(w, Readings(23));
        using var reader = new S3ModuleReader(bucket);
        var expanded = JsonNode.Parse(await JsonLd.ExpandAsync((await reader.TextAsync("v1/croissant.json"))!))!.AsArray().Single()!.AsObject();

        const string cr = "http://mlcommons.org/croissant/", sc = "https://schema.org/";
        static string? Value(JsonNode? n, string key) => (string?)n?[key]?.AsArray().FirstOrDefault()?["@value"] ?? (string?)n?[key]?.AsArray().FirstOrDefault()?["@id"];
        var distribution = expanded[sc + "distribution"]!.AsArray();
        var fileObjects = distribution.Where(d => d!["@type"]!.AsArray().Any(t => (string?)t == cr + "FileObject")).ToList();
        var fileSet = distribution.Single(d => d!["@type"]!.AsArray().Any(t => (string?)t == cr + "FileSet"))!;
        Assert.Equal(3, fileObjects.Count);
        Assert.All(fileObjects, f =>
        {
            Assert.StartsWith($"s3://{bucket.Bucket}/modules/shop/v1/readings/part-0000", Value(f, sc + "contentUrl"));
            Assert.Equal("application/x-parquet", Value(f, sc + "encodingFormat"));
            Assert.Matches("^[0-9a-f]{64}$", Value(f, sc + "sha256"));
        });
        Assert.Equal(fileObjects.Select(f => (string?)f!["@id"]).Order(), fileSet[cr + "containedIn"]!.AsArray().Select(c => (string?)c!["@id"]).Order());
        var recordSet = expanded[cr + "recordSet"]!.AsArray().Single()!;
        var fields = recordSet[cr + "field"]!.AsArray();
        Assert.Equal(6, fields.Count);
        Assert.All(fields, f =>
        {
            var source = f![cr + "source"]!.AsArray().Single()!;
            Assert.Equal((string?)fileSet["@id"], (string?)source[cr + "fileSet"]!.AsArray().Single()!["@id"]);
            Assert.Equal(Value(f, sc + "name"), Value(source[cr + "extract"]!.AsArray().Single(), cr + "column"));
        });

        // A part replaced behind the metadata's back (here by another valid part) is caught by its sha256.
        using (var client = bucket.CreateClient())
        {
            using var first = await client.GetObjectAsync(bucket.Bucket, bucket.Key("v1/readings/part-00000.parquet"));
            var bytes = new MemoryStream();
            await first.ResponseStream.CopyToAsync(bytes);
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket.Bucket, Key = bucket.Key("v1/readings/part-00001.parquet"), InputStream = new MemoryStream(bytes.ToArray()), UseChunkEncoding = false });
        }
        var mismatch = await Assert.ThrowsAsync<InvalidDataException>(reader.CurrentAsync);
        Assert.Contains("readings/part-00001.parquet: sha256", mismatch.Message);
    }
}
