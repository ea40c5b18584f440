using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Tasks;

public sealed class TaskServiceTests(CoreServices core) : IClassFixture<CoreServices>
{
    private TaskService Tasks => core.Get<TaskService>();
    private ScriptService Scripts => core.Get<ScriptService>();

    /// <summary>An editor who can READ a source and WRITE a destination, with released scripts of every kind.</summary>
    private sealed record World(Actor Editor, Guid Source, Guid Destination, Guid Extractor, Guid AgeRule, Guid AgeBands, Guid Upload, Guid Transformer);

    private async Task<World> WorldAsync()
    {
        var editor = await core.CreateAsync("editor", UserRole.EditTask, UserRole.CreateExtDatamodule);
        var connections = core.Get<ConnectionService>();
        var source = await connections.CreateAsync(editor, new ConnectionInput($"crm-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}", "Host=h;Database=crm;Username=u;Password=p", null));
        var destination = await connections.CreateAsync(editor, new ConnectionInput($"dw-{Guid.NewGuid():N}", ConnectionKind.PostgreSql, "", "{}", "Host=h;Database=dw;Username=u;Password=p", null));
        async Task<Guid> Released(ScriptInput s)
        {
            var id = await Scripts.CreateAsync(editor, s);
            await Scripts.ReleaseAsync(editor, id);
            return id;
        }
        return new World(editor, source, destination,
            await Released(new ScriptInput("customers", ScriptKind.Extractor, null, "SELECT * FROM customers")),
            await Released(new ScriptInput("age", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillOutOfRange, null, "18", "120"))),
            await Released(new ScriptInput("bands", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, new Dictionary<string, string> { ["width"] = "10" }))),
            await Released(new ScriptInput("upload", ScriptKind.Uploader, null, "")),
            await Released(new ScriptInput("totals", ScriptKind.Transformer, null, "SELECT 1 AS x", Transformation: new(TransformationType.Merge, "totals"))));
    }

    private static TableConfig Customers(World w) => new("customers",
        [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("age", FieldType.Integer, []), new ColumnConfig("city", FieldType.String, [])],
        "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(w.Extractor, w.Source, 10)]);

    [Fact]
    public async Task Release_is_refused_with_every_missing_part_and_succeeds_once_the_list_is_empty()
    {
        var w = await WorldAsync();
        var id = await Tasks.CreateAsync(w.Editor, $"churn-{Guid.NewGuid():N}", "");

        var refused = await Assert.ThrowsAsync<ValidationException>(() => Tasks.ReleaseAsync(w.Editor, id));
        Assert.Contains(refused.Problems, p => p.Path == "tables");
        Assert.Contains(refused.Problems, p => p.Path == "upload.script");
        Assert.Contains(refused.Problems, p => p.Path == "upload.destination");

        await Tasks.UpdateTablesAsync(w.Editor, id, [Customers(w)]);
        await Tasks.UpdateFieldRulesAsync(w.Editor, id, [new FieldRuleBinding("customers", "age", [w.AgeRule])]);
        await Tasks.UpdateAnonymizationAsync(w.Editor, id, [new AnonymizationBinding("customers", "age", w.AgeBands, true, false)], new PrivacySettings(2, null, 42));
        await Tasks.UpdateTransformationsAsync(w.Editor, id, [w.Transformer]);
        Assert.Equal(["upload.script", "upload.destination"], (await Tasks.GetAsync(w.Editor, id)).Missing.Select(p => p.Path));
        await Tasks.UpdateUploadAsync(w.Editor, id, new UploadConfig(w.Upload, w.Destination));
        Assert.Empty((await Tasks.GetAsync(w.Editor, id)).Missing);

        await Tasks.ReleaseAsync(w.Editor, id);
        var released = await Tasks.GetAsync(w.Editor, id);
        Assert.Equal(EtlTaskStatus.Released, released.Status);
        Assert.Equal([w.AgeRule], released.Configuration.Tables[0].Columns.Single(c => c.Name == "age").FieldRuleScriptIds);

        // Changing a released task takes it back to Draft.
        await Tasks.UpdateTransformationsAsync(w.Editor, id, []);
        Assert.Equal(EtlTaskStatus.Draft, (await Tasks.GetAsync(w.Editor, id)).Status);
    }

    public static TheoryData<string, string> BrokenConfigurations() => new()
    {
        { "no extraction", "tables[customers].extractions" },
        { "two sources, same priority", "tables[customers].extractions" },
        { "two sources, no key", "tables[customers].primaryKey" },
        { "key not a column", "tables[customers].primaryKey" },
        { "rule type differs from column", "tables[customers].columns[city].fieldRules" },
        { "foreign key to unknown table", "tables[customers].foreignKeys[city]" },
        { "foreign key cycle", "tables" },
        { "anonymized primary key", "tables[customers].columns[id].anonymization" },
        { "unreleased script", "tables[customers].extractions[0]" },
        { "k below 2", "privacy.k" },
    };

    [Theory]
    [MemberData(nameof(BrokenConfigurations))]
    public async Task Each_problem_names_its_table_and_column(string problem, string path)
    {
        var w = await WorldAsync();
        var draftExtractor = await Scripts.CreateAsync(w.Editor, new ScriptInput("draft", ScriptKind.Extractor, null, "SELECT 1"));
        var t = Customers(w);
        var second = new ExtractionConfig(w.Extractor, w.Source, 10);
        var orders = new TableConfig("orders", [new ColumnConfig("customer_id", FieldType.Integer, [])], null, MergeStrategy.SourcePriority,
            [new ForeignKeyConfig("customer_id", "customers", "id")], [new ExtractionConfig(w.Extractor, w.Source, 1)]);
        var config = TaskConfiguration.Empty with { Tables = [problem switch
        {
            "no extraction" => t with { Extractions = [] },
            "two sources, same priority" => t with { Extractions = [.. t.Extractions, second] },
            "two sources, no key" => t with { PrimaryKey = null, Extractions = [.. t.Extractions, second with { Priority = 1 }] },
            "key not a column" => t with { PrimaryKey = "customer_no" },
            "rule type differs from column" => t with { Columns = [.. t.Columns.Select(c => c.Name == "city" ? c with { FieldRuleScriptIds = [w.AgeRule] } : c)] },
            "foreign key to unknown table" => t with { ForeignKeys = [new ForeignKeyConfig("city", "cities", "name")] },
            "foreign key cycle" => t with { ForeignKeys = [new ForeignKeyConfig("id", "orders", "customer_id")] },
            "anonymized primary key" => t with { Columns = [.. t.Columns.Select(c => c.Name == "id" ? c with { AnonymizationScriptId = w.AgeBands } : c)] },
            "unreleased script" => t with { Extractions = [new ExtractionConfig(draftExtractor, w.Source, 10)] },
            _ => t,
        }, orders] };
        if (problem == "k below 2") config = config with { Privacy = new PrivacySettings(1, null, null) };

        var facts = await ScriptFactsAsync();
        var problems = TaskValidator.Validate(config, facts);

        Assert.True(problems.Any(p => p.Path == path), $"{problem}: expected {path} in [{string.Join("; ", problems)}]");
    }

    [Fact]
    public async Task Extraction_needs_READ_and_upload_needs_WRITE_on_the_connections_and_refusals_are_audited()
    {
        var w = await WorldAsync();
        var stranger = await core.CreateAsync("stranger", UserRole.EditTask);
        var id = await Tasks.CreateAsync(stranger, $"not mine {Guid.NewGuid():N}", "");

        var read = await Assert.ThrowsAsync<DomainException>(() => Tasks.UpdateTablesAsync(stranger, id, [Customers(w)]));
        Assert.Equal(ErrorKind.PermissionDenied, read.Kind);
        var write = await Assert.ThrowsAsync<DomainException>(() => Tasks.UpdateUploadAsync(stranger, id, new UploadConfig(w.Upload, w.Destination)));
        Assert.Equal(ErrorKind.PermissionDenied, write.Kind);

        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.ActorId == stranger.UserId && a.Outcome == AuditOutcome.Denied));
        Assert.Empty((await Tasks.GetAsync(stranger, id)).Configuration.Tables);
    }

    private async Task<Guid> ConfiguredTaskAsync(World w, string name)
    {
        var id = await Tasks.CreateAsync(w.Editor, name, "Customers for the churn model");
        await Tasks.UpdateTablesAsync(w.Editor, id, [Customers(w)]);
        await Tasks.UpdateFieldRulesAsync(w.Editor, id, [new FieldRuleBinding("customers", "age", [w.AgeRule])]);
        await Tasks.UpdateAnonymizationAsync(w.Editor, id, [new AnonymizationBinding("customers", "age", w.AgeBands, true, false)], new PrivacySettings(2, null, null));
        await Tasks.UpdateUploadAsync(w.Editor, id, new UploadConfig(w.Upload, w.Destination));
        return id;
    }

    [Fact]
    public async Task The_effective_metadata_is_JSON_LD_with_Croissant_terms_and_the_same_for_the_same_configuration()
    {
        var w = await WorldAsync();
        var name = $"churn {Guid.NewGuid():N}";
        var first = await Tasks.ExportMetadataAsync(w.Editor, await ConfiguredTaskAsync(w, name), includeIds: false);
        var second = await Tasks.ExportMetadataAsync(w.Editor, await ConfiguredTaskAsync(w, name + " copy"), includeIds: false);
        Assert.Equal(first, second.Replace($"\"{name} copy\"", $"\"{name}\""));

        var psi = new System.Diagnostics.ProcessStartInfo("node", [Path.Combine(RepositoryPaths.Root, "tests", "node", "jsonld-expand.mjs")])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var node = System.Diagnostics.Process.Start(psi)!;
        await node.StandardInput.WriteAsync(first);
        node.StandardInput.Close();
        var expanded = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, await node.StandardError.ReadToEndAsync());

        foreach (var term in new[]
                 {
                     "https://schema.org/Dataset", "http://mlcommons.org/croissant/recordSet", "http://mlcommons.org/croissant/RecordSet",
                     "http://mlcommons.org/croissant/field", "http://mlcommons.org/croissant/Field", "http://mlcommons.org/croissant/dataType",
                     "https://schema.org/Integer", "http://mlcommons.org/croissant/key", "https://etlstudio.dev/ns#mergeStrategy",
                     "https://etlstudio.dev/ns#collectionProtocol", "https://etlstudio.dev/ns#anonymization",
                 })
            Assert.Contains(term, expanded);
    }

    [Fact]
    public async Task A_rule_for_a_column_that_does_not_exist_is_refused()
    {
        var w = await WorldAsync();
        var id = await Tasks.CreateAsync(w.Editor, $"t-{Guid.NewGuid():N}", "");
        await Tasks.UpdateTablesAsync(w.Editor, id, [Customers(w)]);
        var ex = await Assert.ThrowsAsync<ValidationException>(() => Tasks.UpdateFieldRulesAsync(w.Editor, id, [new FieldRuleBinding("customers", "shoe_size", [w.AgeRule])]));
        Assert.Contains(ex.Problems, p => p.Path == "tables[customers].columns[shoe_size]");
    }

    private async Task<IReadOnlyDictionary<Guid, TaskValidator.ScriptFacts>> ScriptFactsAsync()
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var facts = new Dictionary<Guid, TaskValidator.ScriptFacts>();
        foreach (var s in await db.Scripts.ToListAsync())
        {
            var view = await Scripts.GetAsync(new Actor(s.CreatedBy, "x", ActorSource.Ui), s.Id);
            facts[s.Id] = new TaskValidator.ScriptFacts(s.Kind, s.Released, view.FieldRule, view.Anonymization);
        }
        return facts;
    }
}
