using System.Text.Json;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// The Core over a fresh database, with two real source databases (a CRM and a billing system with overlapping,
/// dirty customers and orders) and a person who may do everything. Runs are executed by the test itself.
/// </summary>
public class PipelineWorld : CoreServices
{
    private readonly TestDatabase _crm = new();
    private readonly TestDatabase _billing = new();

    public ManualRunQueue Queue { get; } = new();
    public Actor Owner { get; private set; } = null!;
    public Guid Crm { get; private set; }
    public Guid Billing { get; private set; }
    public Guid Warehouse { get; private set; }

    protected override void Configure(IServiceCollection services)
    {
        services.RemoveAll<IRunQueue>();
        services.AddSingleton<IRunQueue>(Queue);
        services.Configure<PipelineOptions>(o => o.TransformTimeout = TimeSpan.FromSeconds(2));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await _crm.InitializeAsync();
        await _billing.InitializeAsync();
        await ExecAsync(_crm.ConnectionString, """
            CREATE TABLE customers (id int, name text, age text, city text);
            INSERT INTO customers VALUES (1, 'Ann', '34', 'Oslo'), (2, 'Bob', '150', 'Rome'), (3, 'Cid', NULL, 'Oslo'), (6, 'Fay', 'forty', 'Nice');
            CREATE TABLE orders (id int, customer_id int, amount numeric);
            INSERT INTO orders VALUES (10, 1, 12.5), (11, 2, 99), (12, 99, 5), (13, 6, 7);
            """);
        await ExecAsync(_billing.ConnectionString, """
            CREATE TABLE customers (id bigint, name text, age int, city text);
            INSERT INTO customers VALUES (2, 'Robert', 40, 'Paris'), (5, 'Eve', 28, 'Nice');
            """);
        Owner = await this.CreateAsync("owner", UserRole.EditTask, UserRole.ProcessEtlTask, UserRole.CreateExtDatamodule, UserRole.ManageData);
        var connections = Get<ConnectionService>();
        Crm = await connections.CreateAsync(Owner, new ConnectionInput("CRM", ConnectionKind.PostgreSql, "", "{}", _crm.ConnectionString, null));
        Billing = await connections.CreateAsync(Owner, new ConnectionInput("Billing", ConnectionKind.PostgreSql, "", "{}", _billing.ConnectionString, null));
        Warehouse = await connections.CreateAsync(Owner, new ConnectionInput("Warehouse", ConnectionKind.PostgreSql, "", "{}", "Host=localhost;Database=none;Username=u;Password=p", null));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _crm.DisposeAsync();
        await _billing.DisposeAsync();
    }


    public async Task<Guid> ScriptAsync(ScriptInput input)
    {
        var scripts = Get<ScriptService>();
        var id = await scripts.CreateAsync(Owner, input with { Name = $"{input.Name}-{Guid.NewGuid():N}"[..Math.Min(input.Name.Length + 9, 60)] });
        await scripts.ReleaseAsync(Owner, id);
        return id;
    }

    public Task<Guid> ExtractorAsync(string sql) => ScriptAsync(new ScriptInput("extract", ScriptKind.Extractor, null, sql));

    public Task<Guid> RuleAsync(FieldType type, FieldRuleType rule, string? fill = null, string? min = null, string? max = null) =>
        ScriptAsync(new ScriptInput("rule", ScriptKind.FieldRule, null, "", new FieldRuleSettings(type, rule, fill, min, max)));

    public Task<Guid> TransformAsync(string sql, TransformationType type, string? target = null) =>
        ScriptAsync(new ScriptInput("transform", ScriptKind.Transformer, null, sql, Transformation: new TransformationSettings(type, target)));

    /// <summary>A released task with these tables, rules and transformations, uploading to the warehouse.</summary>
    public async Task<Guid> TaskAsync(IReadOnlyList<TableConfig> tables, IReadOnlyList<FieldRuleBinding>? rules = null,
        IReadOnlyList<Guid>? transformations = null, IReadOnlyList<AnonymizationBinding>? anonymization = null, PrivacySettings? privacy = null)
    {
        var tasks = Get<TaskService>();
        var id = await tasks.CreateAsync(Owner, $"task-{Guid.NewGuid():N}", "");
        await tasks.UpdateTablesAsync(Owner, id, tables);
        if (rules is { Count: > 0 }) await tasks.UpdateFieldRulesAsync(Owner, id, rules);
        if (anonymization is { Count: > 0 } || privacy is not null) await tasks.UpdateAnonymizationAsync(Owner, id, anonymization ?? [], privacy);
        if (transformations is { Count: > 0 }) await tasks.UpdateTransformationsAsync(Owner, id, transformations);
        await tasks.UpdateUploadAsync(Owner, id, new UploadConfig(await ScriptAsync(new ScriptInput("upload", ScriptKind.Uploader, null, "")), Warehouse));
        await tasks.ReleaseAsync(Owner, id);
        return id;
    }

    /// <summary>Starts a run of the task and executes it to its end on this thread.</summary>
    public async Task<RunView> RunAsync(Guid taskId)
    {
        var runs = Get<PipelineRunService>();
        var id = await runs.StartAsync(Owner, taskId);
        await Get<IPipelineRunExecutor>().ExecuteAsync(id, CancellationToken.None);
        return await runs.GetAsync(Owner, id);
    }

    /// <summary>An outbox table's rows, column → value, in row order.</summary>
    public async Task<List<Dictionary<string, JsonElement>>> RowsAsync(Guid runId, string table)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT to_jsonb(t)::text FROM {Sql.Table(StagingLayout.SchemaFor(runId), table)} t ORDER BY _row", conn);
        var rows = new List<Dictionary<string, JsonElement>>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(r.GetString(0))!);
        return rows;
    }

    public async Task<IReadOnlyList<RejectView>> RejectsAsync(Guid runId) =>
        (await Get<PipelineRunService>().RejectsAsync(Owner, runId, RejectFilter.All, new PageRequest(1, 500))).Items;

    public async Task<IReadOnlyList<OutboxTable>> CatalogAsync(Guid runId)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return await Core.Outbox.OutboxCatalog.ReadAsync(conn, null, StagingLayout.SchemaFor(runId), CancellationToken.None);
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    private static async Task ExecAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
