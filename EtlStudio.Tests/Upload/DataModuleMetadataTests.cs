using System.Diagnostics;
using System.Text.Json.Nodes;
using EtlStudio.Core.Common;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Tests.Outbox;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Uploads;

public sealed class DataModuleMetadataTests(OutboxCore core) : IClassFixture<OutboxCore>, IAsyncLifetime
{
    private readonly TestDatabase _destination = new();

    public Task InitializeAsync() => _destination.InitializeAsync();

    public Task DisposeAsync() => _destination.DisposeAsync();

    [Fact]
    public async Task The_exported_metadata_expands_as_JSON_LD_with_Croissant_terms_version_and_protocol()
    {
        var w = await OutboxWorld.CreateAsync(core, _destination.ConnectionString);
        var run = await core.StageAsync(w.Manager, w.Destination, ConnectionKind.PostgreSql, [OutboxWorld.People(4)]);
        await core.Get<UploadService>().RequestAsync(w.Manager, run.RunId);
        await core.Get<IUploadExecutor>().ExecuteAsync(run.RunId, default);

        var document = await core.Get<DataModuleService>().ExportMetadataAsync(w.DataManager, w.Destination);
        var doc = JsonNode.Parse(document)!;
        Assert.Equal("1", (string?)doc["version"]);
        var people = doc["recordSet"]!.AsArray().Single()!;
        Assert.Equal("people_v1", (string?)people["etl:versionedLocation"]);
        Assert.Equal("sc:Date", (string?)people["field"]!.AsArray().Single(f => (string?)f!["name"] == "born")!["dataType"]);

        var expanded = await ExpandAsync(document);
        foreach (var term in new[]
                 {
                     "https://schema.org/Dataset", "http://mlcommons.org/croissant/RecordSet", "http://mlcommons.org/croissant/recordSet",
                     "http://mlcommons.org/croissant/Field", "http://mlcommons.org/croissant/field", "http://mlcommons.org/croissant/dataType",
                     "https://schema.org/Integer", "https://schema.org/Date", "http://mlcommons.org/croissant/key", "https://schema.org/version",
                     "https://etlstudio.dev/ns#fieldRules", "https://etlstudio.dev/ns#protocol", "https://etlstudio.dev/ns#dataModule",
                     "https://etlstudio.dev/ns#versionedLocation",
                 })
            Assert.Contains(term, expanded);
    }

    [Fact]
    public async Task Importing_metadata_validates_it_and_sets_the_connection_contract_audited()
    {
        var w = await OutboxWorld.CreateAsync(core, _destination.ConnectionString);
        var modules = core.Get<DataModuleService>();
        const string bad = """{"@type": "sc:Dataset", "name": "x", "recordSet": [{"@type": "cr:RecordSet", "name": "t", "field": [{"name": "a", "dataType": "sc:Money"}]}]}""";
        var refused = await Assert.ThrowsAsync<ValidationException>(() => modules.ImportMetadataAsync(w.Manager, w.Destination, bad));
        Assert.Contains(refused.Problems, p => p.Path == "@context");
        Assert.Contains(refused.Problems, p => p.Path == "recordSet[0].field[0].dataType");

        const string good = """
            {"@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
                          "recordSet": "cr:recordSet", "field": "cr:field", "dataType": {"@id": "cr:dataType", "@type": "@vocab"}},
             "@type": "sc:Dataset", "name": "shop", "recordSet": [{"@type": "cr:RecordSet", "name": "orders", "field": [{"@type": "cr:Field", "name": "total", "dataType": "sc:Float"}]}]}
            """;
        await modules.ImportMetadataAsync(w.Manager, w.Destination, good);
        var denied = await Assert.ThrowsAsync<DomainException>(() => modules.ImportMetadataAsync(w.DataManager, w.Destination, good));
        Assert.Equal(ErrorKind.PermissionDenied, denied.Kind);

        var exported = JsonNode.Parse(await modules.ExportMetadataAsync(w.DataManager, w.Destination))!;
        Assert.Equal("shop", (string?)exported["name"]);
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "datamodule.import" && e.EntityId == w.Destination.ToString() && e.Outcome == AuditOutcome.Success));
        Assert.Contains("\"shop\"", (await db.Connections.FirstAsync(c => c.Id == w.Destination)).ContractJson);
    }

    private static async Task<string> ExpandAsync(string document)
    {
        var psi = new ProcessStartInfo("node", [Path.Combine(RepositoryPaths.Root, "tests", "node", "jsonld-expand.mjs")])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var node = Process.Start(psi)!;
        await node.StandardInput.WriteAsync(document);
        node.StandardInput.Close();
        var expanded = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, await node.StandardError.ReadToEndAsync());
        return expanded;
    }
}
