using System.Text.Json;
using Amazon.S3.Model;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using ParquetSharp;
using S3Location = EtlStudio.Core.Connections.S3Location;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 31: a run extracting from objects under a prefix of a real S3 server: a Parquet file written by ParquetSharp
/// (not the product's Parquet library), a CSV file with quoting, and JSON lines — in key order, other objects left alone.
/// </summary>
public sealed class S3ExtractionTests(PipelineWorld world, S3TestServer s3) : IClassFixture<PipelineWorld>, IClassFixture<S3TestServer>
{
    private static TableConfig Sales(Guid extractor, Guid connection) => new("sales",
        [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("customer", FieldType.String, []), new ColumnConfig("amount", FieldType.Double, []),
         new ColumnConfig("paid", FieldType.Boolean, []), new ColumnConfig("day", FieldType.Date, []), new ColumnConfig("at", FieldType.DateTime, [])],
        "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(extractor, connection, 1)]);

    private static async Task PutAsync(S3Location at, string key, byte[] body)
    {
        using var client = at.CreateClient();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = at.Bucket, Key = at.Key(key), InputStream = new MemoryStream(body), UseChunkEncoding = false });
    }

    private static byte[] ParquetFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var file = new ParquetFileWriter(path, [
                       new Column<long>("id"), new Column<string>("customer"), new Column<double?>("amount"), new Column<bool?>("paid"),
                       new Column<Date?>("day"), new Column<DateTime?>("at", LogicalType.Timestamp(isAdjustedToUtc: true, TimeUnit.Micros)),
                       new Column<int>("unused")]))
            {
                using var group = file.AppendRowGroup();
                using (var w = group.NextColumn().LogicalWriter<long>()) w.WriteBatch([1, 2, 3]);
                using (var w = group.NextColumn().LogicalWriter<string>()) w.WriteBatch(["Ann", null!, "Åsa, Oslo"]);
                using (var w = group.NextColumn().LogicalWriter<double?>()) w.WriteBatch([12.5, null, -0.25]);
                using (var w = group.NextColumn().LogicalWriter<bool?>()) w.WriteBatch([true, false, null]);
                using (var w = group.NextColumn().LogicalWriter<Date?>()) w.WriteBatch([new Date(2024, 1, 31), null, new Date(1999, 12, 31)]);
                using (var w = group.NextColumn().LogicalWriter<DateTime?>())
                    w.WriteBatch([new DateTime(2024, 1, 31, 8, 30, 0, DateTimeKind.Utc), new DateTime(2024, 2, 1, 0, 0, 0, 123, DateTimeKind.Utc), null]);
                using (var w = group.NextColumn().LogicalWriter<int>()) w.WriteBatch([7, 7, 7]);
                file.Close();
            }
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_run_extracts_Parquet_CSV_and_JSON_lines_objects_under_the_prefix_in_key_order()
    {
        var at = await s3.NewBucketAsync("landing");
        await PutAsync(at, "sales/2024-01.parquet", ParquetFile());
        await PutAsync(at, "sales/2024-02.csv", "ID,customer,amount,paid,day,at,note\r\n4,\"Bo \"\"the\"\" buyer\",7,true,2024-02-02,2024-02-02T10:00:00Z,x\r\n5,\"two\nlines\",,false,,,\n6,\"\",1e3,,2024-02-29,,\n"u8.ToArray());
        await PutAsync(at, "sales/2024-03.jsonl", """
            {"id": 7, "customer": "Cy", "amount": 3.75, "paid": true, "day": "2024-03-03", "at": "2024-03-03T12:00:00+02:00", "extra": [1]}

            {"id": 8, "customer": null, "amount": "9", "paid": false}
            """u8.ToArray());
        await PutAsync(at, "sales/README.txt", "not data"u8.ToArray());
        await PutAsync(at, "salesforce/ignored.csv", "id\n99\n"u8.ToArray());
        var source = await world.Get<ConnectionService>().CreateAsync(world.Owner, new ConnectionInput($"lake-{Guid.NewGuid():N}", ConnectionKind.S3, "", "{}", at.Format(), null));

        var run = await world.RunAsync(await world.TaskAsync([Sales(await world.ExtractorAsync("sales/"), source)]));

        Assert.True(run.State == RunState.Prepared, run.Error);
        var rows = (await world.RowsAsync(run.Id, "sales"))
            .Select(r => string.Join(" | ", new[] { "id", "customer", "amount", "paid", "day", "at" }.Select(c => r[c].ValueKind == JsonValueKind.Null ? "NULL" : r[c].ToString())))
            .ToList();
        Assert.Equal(
        [
            "1 | Ann | 12.5 | True | 2024-01-31 | 2024-01-31T08:30:00+00:00",
            "2 | NULL | NULL | False | NULL | 2024-02-01T00:00:00.123+00:00",
            "3 | Åsa, Oslo | -0.25 | NULL | 1999-12-31 | NULL",
            "4 | Bo \"the\" buyer | 7 | True | 2024-02-02 | 2024-02-02T10:00:00+00:00",
            "5 | two\nlines | NULL | False | NULL | NULL",
            "6 |  | 1000 | NULL | 2024-02-29 | NULL",
            "7 | Cy | 3.75 | True | 2024-03-03 | 2024-03-03T10:00:00+00:00",
            "8 | NULL | 9 | False | NULL | NULL",
        ], rows);
    }

    [Fact]
    public async Task A_prefix_without_readable_objects_or_a_broken_file_fails_the_run_saying_which()
    {
        var at = await s3.NewBucketAsync("landing");
        await PutAsync(at, "broken/part.parquet", "PAR1 this is not parquet"u8.ToArray());
        await PutAsync(at, "text/notes.txt", "nothing to read"u8.ToArray());
        var source = await world.Get<ConnectionService>().CreateAsync(world.Owner, new ConnectionInput($"lake-{Guid.NewGuid():N}", ConnectionKind.S3, "", "{}", at.Format(), null));

        var empty = await world.RunAsync(await world.TaskAsync([Sales(await world.ExtractorAsync("text/"), source)]));
        var broken = await world.RunAsync(await world.TaskAsync([Sales(await world.ExtractorAsync("broken/"), source)]));

        Assert.Equal((RunState.Failed, RunState.Failed), (empty.State, broken.State));
        Assert.Contains($"has no Parquet, CSV or JSON-lines objects under s3://{at.Bucket}/landing/text/", empty.Error);
        Assert.Contains($"Object s3://{at.Bucket}/landing/broken/part.parquet of source", broken.Error);
        Assert.Contains("is not a readable Parquet file", broken.Error);
    }
}
