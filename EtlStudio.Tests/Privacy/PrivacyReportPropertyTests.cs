using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Tests.Pipeline;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.PrivacyGate;

/// <summary>
/// On generated tables (sizes, NULLs and class shapes drawn from a seeded generator), the privacy report the gate checked
/// equals a computation in plain C# on the rows that were actually uploaded to the destination (issue 33).
/// </summary>
public sealed class PrivacyReportPropertyTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private sealed record Row(long Id, int? Age, string? Zip, string? Diagnosis);

    [Fact]
    public async Task The_gates_report_equals_an_independent_computation_on_the_uploaded_rows()
    {
        await using var dest = new TestDatabase();
        await dest.InitializeAsync();
        var destination = await world.Get<ConnectionService>().CreateAsync(world.Owner,
            new ConnectionInput($"module-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}", dest.ConnectionString, null));
        var bands = await world.ScriptAsync(new ScriptInput("bands", ScriptKind.AnonymizationRule, null, "",
            Anonymization: new AnonymizationSettings(AnonymizationMethod.Generalization, new Dictionary<string, string> { ["width"] = "5" })));
        var random = new Random(33);
        var shapes = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var rows = Generate(random);
            var k = random.Next(0, 3) is var draw && draw == 0 ? (int?)null : draw + 1; // none, 2 or 3
            var run = await UploadAsync(rows, destination, bands, k);
            var uploaded = await UploadedAsync(dest.ConnectionString);
            var reported = (await GateAsync(run)).Report.Tables.Single();
            var context = $"table {i}: {rows.Count} rows, k {k?.ToString() ?? "none"}";

            // Independently: classes of equal (age band, zip), NULL equal to NULL, as C# tuples compare them.
            var classes = uploaded.GroupBy(r => (r.Age, r.Zip)).Select(g => g.ToList()).ToList();
            var removed = rows.Count - uploaded.Count;
            Assert.True(reported.Records == uploaded.Count, context);
            Assert.True(reported.RecordsSuppressed == removed, context);
            Assert.True(reported.ClassCount == classes.Count, context);
            Assert.True(reported.KReached == (classes.Count == 0 ? null : classes.Min(c => c.Count)), context);
            Assert.Equal(classes.Count == 0 ? null : 1.0 / classes.Min(c => c.Count), reported.MaxRisk);
            Assert.Equal(uploaded.Count == 0 ? null : (double)classes.Count / uploaded.Count, reported.MarketerRisk);
            Assert.Equal(uploaded.Count == 0 ? null : (double)classes.Count / uploaded.Count, reported.AverageRisk);
            Assert.Equal(classes.Sum(c => (double)c.Count * c.Count) + (double)removed * rows.Count, reported.Discernibility);
            Assert.Equal((double)removed / rows.Count, reported.RemovedShare);
            Assert.Equal(classes.Count == 0 ? null : classes.Min(c => c.Select(r => r.Diagnosis).Distinct().Count()), reported.Sensitive.Single().LReached);
            var ages = rows.Where(r => r.Age is not null).Select(r => r.Age!.Value).ToList();
            var range = ages.Count == 0 ? 0 : ages.Max() - ages.Min();
            double? ncp = range > 0 && uploaded.Any(r => r.Age is not null) ? Math.Min(1, 5.0 / range) : null;
            Assert.Equal(ncp, reported.Utility!.Single().InformationLoss);
            shapes.Add(removed > 0 ? "suppressed" : "whole");
            if (uploaded.Any(r => r.Age is null || r.Zip is null)) shapes.Add("null quasi-identifier");
        }
        // The draws cover suppression, tables published whole and NULLs in classes.
        Assert.Equal(["null quasi-identifier", "suppressed", "whole"], shapes.Order());
    }

    private static List<Row> Generate(Random random)
    {
        var count = random.Next(1, 60);
        string[] zips = ["0101", "0102", "0201"];
        string[] diagnoses = ["flu", "cold", "asthma"];
        return Enumerable.Range(1, count).Select(id => new Row(id,
            random.Next(10) == 0 ? null : random.Next(18, 40),
            random.Next(10) == 0 ? null : zips[random.Next(zips.Length)],
            random.Next(8) == 0 ? null : diagnoses[random.Next(diagnoses.Length)])).ToList();
    }

    private async Task<Guid> UploadAsync(IReadOnlyList<Row> rows, Guid destination, Guid bands, int? k)
    {
        static string Text(string? s) => s is null ? "NULL::text" : $"'{s}'::text";
        var values = string.Join(", ", rows.Select(r => $"({r.Id}::bigint, {(r.Age is { } a ? $"{a}::int" : "NULL::int")}, {Text(r.Zip)}, {Text(r.Diagnosis)})"));
        var tasks = world.Get<TaskService>();
        var id = await tasks.CreateAsync(world.Owner, $"generated-{Guid.NewGuid():N}", "");
        await tasks.UpdateTablesAsync(world.Owner, id, [new TableConfig("patients",
            [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("age", FieldType.Integer, []), new ColumnConfig("zip", FieldType.String, []),
             new ColumnConfig("diagnosis", FieldType.String, [])],
            "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(await world.ExtractorAsync($"SELECT * FROM (VALUES {values}) v(id, age, zip, diagnosis)"), world.Crm, 1)])]);
        await tasks.UpdateAnonymizationAsync(world.Owner, id,
            [new AnonymizationBinding("patients", "age", bands, true, false), new AnonymizationBinding("patients", "zip", null, true, false),
             new AnonymizationBinding("patients", "diagnosis", null, false, true)], new PrivacySettings(k, null, 1));
        await tasks.UpdateUploadAsync(world.Owner, id, new UploadConfig(await world.ScriptAsync(new ScriptInput("upload", ScriptKind.Uploader, null, "")), destination));
        await tasks.ReleaseAsync(world.Owner, id);
        var run = await world.RunAsync(id);
        Assert.Equal(RunState.Prepared, run.State);
        await world.Get<UploadService>().RequestAsync(world.Owner, run.Id);
        await world.Get<IUploadExecutor>().ExecuteAsync(run.Id, CancellationToken.None);
        return run.Id;
    }

    /// <summary>The uploaded rows as the destination serves them; an age band is kept as its text, which is what classes compare.</summary>
    private static async Task<List<(string? Age, string? Zip, string? Diagnosis)>> UploadedAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT age::text, zip, diagnosis FROM patients", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<(string?, string?, string?)>();
        while (await r.ReadAsync()) rows.Add((r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
        return rows;
    }

    private async Task<PrivacyGateRecord> GateAsync(Guid runId)
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return PrivacyGateRecord.Read(await db.Runs.Where(r => r.Id == runId).Select(r => r.PrivacyGateJson).SingleAsync())!;
    }
}
