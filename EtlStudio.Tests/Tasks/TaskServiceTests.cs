using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
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
            await Released(new ScriptInput("totals", ScriptKind.Transformer, null, "SELECT count(*) AS x FROM customers", Transformation: new(TransformationType.Merge, "totals"))));
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
        Assert.Empty(await Tasks.GetMissingAsync(w.Editor, id));

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
        { "RemoveConflicting without a key", "tables[customers].primaryKey" },
        { "foreign key between different types", "tables[orders].foreignKeys[customer_id]" },
        { "foreign key to an unknown column", "tables[orders].foreignKeys[customer_id]" },
        { "interval width on a text column", "tables[customers].columns[city].anonymization" },
        { "anonymized foreign key", "tables[orders].columns[customer_id].anonymization" },
        { "two range rules on a column", "tables[customers].columns[age].fieldRules" },
        { "quasi-identifier and sensitive at once", "tables[customers].columns[age]" },
        { "l without sensitive columns", "privacy.l" },
        { "transformation referencing nothing", "transformations[0]" },
        { "merge into a task table", "transformations[0]" },
        { "SQL bound to an HTTP source", "tables[customers].extractions[0]" },
        { "source that does not exist", "tables[customers].extractions[0]" },
        { "a column named like the engine's", "tables[customers].columns[_row]" },
        { "a table named like the engine's", "tables[_rejects]" },
    };

    [Theory]
    [MemberData(nameof(BrokenConfigurations))]
    public async Task Each_problem_names_its_table_and_column(string problem, string path)
    {
        var w = await WorldAsync();
        var draftExtractor = await Scripts.CreateAsync(w.Editor, new ScriptInput("draft", ScriptKind.Extractor, null, "SELECT 1"));
        var aimless = await ReleasedAsync(w.Editor, new ScriptInput("aimless", ScriptKind.Transformer, null, "SELECT 1 AS x", Transformation: new(TransformationType.Merge, "x")));
        var clobber = await ReleasedAsync(w.Editor, new ScriptInput("clobber", ScriptKind.Transformer, null, "SELECT * FROM customers", Transformation: new(TransformationType.Merge, "orders")));
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
            "RemoveConflicting without a key" => t with { PrimaryKey = null, MergeStrategy = MergeStrategy.RemoveConflicting },
            "interval width on a text column" => t with { Columns = [.. t.Columns.Select(c => c.Name == "city" ? c with { AnonymizationScriptId = w.AgeBands } : c)] },
            "two range rules on a column" => t with { Columns = [.. t.Columns.Select(c => c.Name == "age" ? c with { FieldRuleScriptIds = [w.AgeRule, w.AgeRule] } : c)] },
            "quasi-identifier and sensitive at once" => t with { Columns = [.. t.Columns.Select(c => c.Name == "age" ? c with { QuasiIdentifier = true, Sensitive = true } : c)] },
            "a column named like the engine's" => t with { Columns = [.. t.Columns, new ColumnConfig("_row", FieldType.Integer, [])] },
            "a table named like the engine's" => t with { Name = "_rejects" },
            _ => t,
        }, problem switch
        {
            "foreign key between different types" => orders with { ForeignKeys = [new ForeignKeyConfig("customer_id", "customers", "city")] },
            "foreign key to an unknown column" => orders with { ForeignKeys = [new ForeignKeyConfig("customer_id", "customers", "customer_no")] },
            "anonymized foreign key" => orders with { Columns = [new ColumnConfig("customer_id", FieldType.Integer, [], w.AgeBands)] },
            _ => orders,
        }] };
        config = problem switch
        {
            "k below 2" => config with { Privacy = new PrivacySettings(1, null, null) },
            "l without sensitive columns" => config with { Privacy = new PrivacySettings(null, 2, null) },
            "transformation referencing nothing" => config with { TransformationScriptIds = [aimless] },
            "merge into a task table" => config with { TransformationScriptIds = [clobber] },
            _ => config,
        };
        Dictionary<Guid, ConnectionKind> connections = problem switch
        {
            "SQL bound to an HTTP source" => new() { [w.Source] = ConnectionKind.HttpJson },
            "source that does not exist" => new(),
            _ => new() { [w.Source] = ConnectionKind.PostgreSql },
        };

        var facts = await ScriptFactsAsync();
        var problems = TaskValidator.Validate(config, facts, connections);

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

    [Fact]
    public async Task Every_change_needs_EDIT_TASK_and_each_refusal_is_audited()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        var manager = await core.CreateAsync("manager", UserRole.ProcessEtlTask);

        foreach (var attempt in new Func<Task>[]
                 {
                     () => Tasks.CreateAsync(manager, "mine", ""),
                     () => Tasks.UpdateTablesAsync(manager, id, [Customers(w)]),
                     () => Tasks.UpdateFieldRulesAsync(manager, id, []),
                     () => Tasks.UpdateAnonymizationAsync(manager, id, [], null),
                     () => Tasks.UpdateTransformationsAsync(manager, id, []),
                     () => Tasks.UpdateUploadAsync(manager, id, new UploadConfig(null, null)),
                     () => Tasks.ReleaseAsync(manager, id),
                 })
            Assert.Equal(ErrorKind.PermissionDenied, (await Assert.ThrowsAsync<DomainException>(attempt)).Kind);

        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var denied = await db.AuditEntries.Where(a => a.ActorId == manager.UserId && a.Outcome == AuditOutcome.Denied).Select(a => a.Action).ToListAsync();
        Assert.Equal(["task.create", "task.release", "task.update.anonymization", "task.update.fieldRules", "task.update.tables", "task.update.transformations", "task.update.upload"],
            denied.Order(StringComparer.Ordinal));
        Assert.Equal(EtlTaskStatus.Draft, (await Tasks.GetAsync(manager, id)).Status);
    }

    [Fact]
    public async Task Release_checks_READ_on_every_source_and_WRITE_on_the_destination_again()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        var colleague = await core.CreateAsync("colleague", UserRole.EditTask);

        var noRead = await Assert.ThrowsAsync<DomainException>(() => Tasks.ReleaseAsync(colleague, id));
        Assert.Contains("READ", noRead.Message);
        await GrantAsync(colleague, w.Source, AccessType.Read);
        var noWrite = await Assert.ThrowsAsync<DomainException>(() => Tasks.ReleaseAsync(colleague, id));
        Assert.Contains("WRITE", noWrite.Message);
        await GrantAsync(colleague, w.Destination, AccessType.Write);

        await Tasks.ReleaseAsync(colleague, id);

        Assert.Equal(EtlTaskStatus.Released, (await Tasks.GetAsync(colleague, id)).Status);
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.ActorId == colleague.UserId && a.Action == "task.release" && a.Outcome == AuditOutcome.Denied));
    }

    [Fact]
    public async Task A_source_another_editor_bound_does_not_stop_a_colleague_from_editing_the_tables()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        var colleague = await core.CreateAsync("colleague", UserRole.EditTask);

        await Tasks.UpdateTablesAsync(colleague, id, [Customers(w) with { MergeStrategy = MergeStrategy.RemoveConflicting }]);

        Assert.Equal(MergeStrategy.RemoveConflicting, (await Tasks.GetAsync(colleague, id)).Configuration.Tables[0].MergeStrategy);
    }

    [Fact]
    public async Task Changing_a_released_task_returns_it_to_Draft_and_the_audit_shows_only_the_changed_part()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        await Tasks.ReleaseAsync(w.Editor, id);

        await Tasks.UpdateTransformationsAsync(w.Editor, id, [w.Transformer]);

        Assert.Equal(EtlTaskStatus.Draft, (await Tasks.GetAsync(w.Editor, id)).Status);
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var entry = await db.AuditEntries.Where(a => a.EntityId == id.ToString() && a.Action == "task.update.transformations").SingleAsync();
        Assert.Contains("transformations", entry.ChangesJson);
        Assert.Contains(w.Transformer.ToString(), entry.ChangesJson);
        Assert.Contains("Released", entry.ChangesJson);
        Assert.DoesNotContain("tables", entry.ChangesJson);
    }

    [Fact]
    public async Task A_script_or_source_that_does_not_exist_is_refused_at_once()
    {
        var w = await WorldAsync();
        var id = await Tasks.CreateAsync(w.Editor, $"t-{Guid.NewGuid():N}", "");
        var ghost = Guid.NewGuid();

        var script = await Assert.ThrowsAsync<ValidationException>(() => Tasks.UpdateTransformationsAsync(w.Editor, id, [ghost]));
        var kind = await Assert.ThrowsAsync<ValidationException>(() => Tasks.UpdateUploadAsync(w.Editor, id, new UploadConfig(w.Extractor, w.Destination)));

        Assert.Contains(script.Problems, p => p.Path == "transformations[0]" && p.Message.Contains("does not exist"));
        Assert.Contains(kind.Problems, p => p.Path == "upload.script" && p.Message.Contains("not a Uploader"));
        Assert.Empty((await Tasks.GetAsync(w.Editor, id)).Configuration.TransformationScriptIds);
    }

    [Fact]
    public async Task A_released_task_resolves_into_everything_the_engine_needs()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        var orders = new TableConfig("orders", [new ColumnConfig("customer_id", FieldType.Integer, []), new ColumnConfig("amount", FieldType.Double, [])], null,
            MergeStrategy.SourcePriority, [new ForeignKeyConfig("customer_id", "customers", "id")], [new ExtractionConfig(w.Extractor, w.Source, 1)]);
        var view = await Tasks.GetAsync(w.Editor, id);
        await Tasks.UpdateTablesAsync(w.Editor, id, [orders, .. view.Configuration.Tables]);
        await Tasks.UpdateTransformationsAsync(w.Editor, id, [w.Transformer]);
        await Tasks.ReleaseAsync(w.Editor, id);

        var run = await Tasks.ResolveForRunAsync(id);

        Assert.Equal(["customers", "orders"], run.Tables.Select(t => t.Name));
        var age = run.Tables[0].Columns.Single(c => c.Name == "age");
        Assert.Equal(new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillOutOfRange, null, "18", "120"), age.RangeRule!.Settings);
        Assert.Null(age.EmptyRule);
        Assert.Equal(new GeneralizationParameters(10, null, null, null), age.Anonymization!.Parameters);
        Assert.True(age.QuasiIdentifier);
        var extraction = Assert.Single(run.Tables[0].Extractions);
        Assert.Equal((w.Source, ConnectionKind.PostgreSql, "SELECT * FROM customers", (HttpRequestDescription?)null),
            (extraction.ConnectionId, extraction.ConnectionKind, extraction.Body, extraction.Http));
        Assert.Equal(new ResolvedTransformation(w.Transformer, 1, TransformationType.Merge, "totals", "SELECT count(*) AS x FROM customers"), Assert.Single(run.Transformations));
        Assert.Equal(new PrivacySettings(2, null, null), run.Privacy);
        Assert.Equal(new ResolvedUpload(w.Upload, w.Destination, ConnectionKind.PostgreSql, new UploadDescription()), run.Upload);
    }

    [Fact]
    public async Task A_draft_task_cannot_be_resolved_for_a_run()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        var ex = await Assert.ThrowsAsync<DomainException>(() => Tasks.ResolveForRunAsync(id));
        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
    }

    [Fact]
    public async Task The_metadata_service_writes_a_Croissant_dataset_with_timestamps_on_request_and_without_ids_when_asked()
    {
        var w = await WorldAsync();
        var id = await ConfiguredTaskAsync(w, $"t-{Guid.NewGuid():N}");
        await Tasks.ReleaseAsync(w.Editor, id);
        var metadata = core.Get<TaskMetadataService>();

        var full = System.Text.Json.JsonDocument.Parse(await metadata.ExportAsync(w.Editor, id, includeTimestamps: true)).RootElement;
        var comparable = await metadata.ExportAsync(w.Editor, id, includeIds: false);

        Assert.Equal("https://schema.org/", full.GetProperty("@context").GetProperty("sc").GetString());
        Assert.Equal("http://mlcommons.org/croissant/", full.GetProperty("@context").GetProperty("cr").GetString());
        Assert.Equal("sc:Dataset", full.GetProperty("@type").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, full.GetProperty("version").ValueKind);
        var records = full.GetProperty("recordSet")[0];
        Assert.Equal("cr:RecordSet", records.GetProperty("@type").GetString());
        Assert.Equal(["sc:Integer", "sc:Integer", "sc:Text"], records.GetProperty("field").EnumerateArray().Select(f => f.GetProperty("dataType").GetString()));
        Assert.Equal("cr:Field", records.GetProperty("field")[0].GetProperty("@type").GetString());
        var age = records.GetProperty("field")[1];
        Assert.Equal("Integer", age.GetProperty("etl:fieldRules")[0].GetProperty("etl:rule").GetProperty("etl:fieldType").GetString());
        Assert.Equal("10", age.GetProperty("etl:anonymization").GetProperty("etl:method").GetProperty("etl:parameters").GetProperty("width").GetString());
        Assert.Equal("PostgreSql", records.GetProperty("etl:collectionProtocol")[0].GetProperty("etl:sourceKind").GetString());
        Assert.True(full.TryGetProperty("datePublished", out _));
        Assert.Contains(w.Source.ToString(), full.GetRawText());

        Assert.DoesNotMatch("[0-9a-f]{8}-[0-9a-f]{4}-", comparable);
        Assert.DoesNotContain("datePublished", comparable);
        Assert.Equal(comparable, await metadata.ExportAsync(w.Editor, id, includeIds: false));
    }

    private async Task<Guid> ReleasedAsync(Actor editor, ScriptInput s)
    {
        var id = await Scripts.CreateAsync(editor, s);
        await Scripts.ReleaseAsync(editor, id);
        return id;
    }

    private async Task GrantAsync(Actor user, Guid connection, AccessType access)
    {
        await using (var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
        {
            db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = connection, UserId = user.UserId, Access = access, GrantedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        // Permissions are cached per user; a grant made behind the service's back must be seen now.
        core.Get<AccessPolicy>().Invalidate(user.UserId);
    }

    private async Task<IReadOnlyDictionary<Guid, TaskValidator.ScriptFacts>> ScriptFactsAsync()
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var facts = new Dictionary<Guid, TaskValidator.ScriptFacts>();
        foreach (var s in await db.Scripts.ToListAsync())
        {
            var view = await Scripts.GetAsync(new Actor(s.CreatedBy, "x", ActorSource.Ui), s.Id);
            facts[s.Id] = new TaskValidator.ScriptFacts(s.Kind, s.Released, view.FieldRule, view.Anonymization, view.Transformation, view.Body);
        }
        return facts;
    }
}
