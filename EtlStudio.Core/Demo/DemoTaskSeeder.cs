using EtlStudio.Core.Access;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Demo;

/// <summary>
/// Seeds the demo tasks the way people would make them: alice asks bob for READ on his sources and he approves, then
/// she writes and releases the scripts and configures and releases "Customer churn (demo)" — customers from CRM and
/// billing merged by key, their orders checked against them, cleaned, totalled, anonymized, uploaded to the warehouse —
/// and, when the demo has an S3 server, its twin "Churn features to S3 (demo)", which publishes the same tables as
/// Parquet with Croissant metadata.
/// </summary>
public sealed class DemoTaskSeeder(ChangeScope scope, AccessRequestService access, ScriptService scripts, TaskService tasks, Notifications.NotificationService notifications)
{
    public const string TaskName = "Customer churn (demo)";
    public const string S3TaskName = "Churn features to S3 (demo)";

    private static readonly Actor Alice = new(DemoSeeder.AliceId, "alice", ActorSource.Job, null, "demo-seed");

    public async Task SeedAsync(Guid crm, Guid billing, Guid warehouse, CancellationToken ct)
    {
        if (await TaskIdAsync(TaskName, ct) is not null) return;
        var bob = new Actor(DemoSeeder.BobId, "bob", ActorSource.Job, null, "demo-seed");
        foreach (var source in new[] { crm, billing })
        {
            var request = await access.RequestAsync(Alice, source, AccessType.Read, "Building the churn model's training data.", null, ct);
            await access.DecideAsync(bob, request, approve: true, "For the churn model.", null, ct);
        }
        // The demo's history happened before anyone signs in: its notifications are already read.
        await notifications.MarkReadAsync(Alice, null, ct);
        await notifications.MarkReadAsync(bob, null, ct);
        var upload = await ReleasedAsync(new ScriptInput("Warehouse upload", ScriptKind.Uploader, null, """{"tablePrefix": "churn"}"""), ct);
        await ConfigureAsync(TaskName, "Customers and orders for the churn model: merged, cleaned, anonymized.", crm, billing, new UploadConfig(upload, warehouse), ct);
    }

    /// <summary>
    /// The S3 twin of the demo task (after <see cref="SeedAsync"/>, whose scripts and granted access it reuses): its id,
    /// configured and released the first time.
    /// </summary>
    public async Task<Guid> SeedS3Async(Guid crm, Guid billing, Guid lake, CancellationToken ct)
    {
        if (await TaskIdAsync(S3TaskName, ct) is { } existing) return existing;
        // S3 destinations take no upload settings: the layout is fixed (versioned Parquet, Croissant metadata, pointer).
        var upload = await ReleasedAsync(new ScriptInput("Object storage upload", ScriptKind.Uploader, null, "{}"), ct);
        return await ConfigureAsync(S3TaskName, "The churn model's customers and orders, anonymized, published to object storage as versioned Parquet with Croissant metadata.",
            crm, billing, new UploadConfig(upload, lake), ct);
    }

    private Task<Guid?> TaskIdAsync(string name, CancellationToken ct) =>
        scope.ReadAsync(db => db.Tasks.Where(t => t.Name == name).Select(t => (Guid?)t.Id).FirstOrDefaultAsync(ct), ct);

    /// <summary>The released demo script of that name and kind; created and released when there is none yet.</summary>
    private async Task<Guid> ReleasedAsync(ScriptInput input, CancellationToken ct)
    {
        if (await scope.ReadAsync(db => db.Scripts.Where(s => s.Name == input.Name && s.Kind == input.Kind && s.Released && s.CreatedBy == DemoSeeder.AliceId)
                .OrderByDescending(s => s.ReleasedAt).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct), ct) is { } released) return released;
        var id = await scripts.CreateAsync(Alice, input, ct);
        await scripts.ReleaseAsync(Alice, id, ct);
        return id;
    }

    private async Task<Guid> ConfigureAsync(string taskName, string description, Guid crm, Guid billing, UploadConfig upload, CancellationToken ct)
    {
        var alice = Alice;
        Task<Guid> Released(ScriptInput input) => ReleasedAsync(input, ct);
        Task<Guid> Rule(string name, FieldType type, FieldRuleType rule, string? fill = null, string? min = null, string? max = null) =>
            Released(new ScriptInput(name, ScriptKind.FieldRule, null, "", new FieldRuleSettings(type, rule, fill, min, max)));
        Task<Guid> Anonymize(string name, AnonymizationMethod method, params (string Key, string Value)[] parameters) =>
            Released(new ScriptInput(name, ScriptKind.AnonymizationRule, null, "",
                Anonymization: new AnonymizationSettings(method, parameters.ToDictionary(p => p.Key, p => p.Value))));

        var crmCustomers = await Released(new ScriptInput("CRM customers", ScriptKind.Extractor, null,
            "SELECT id, full_name, email, birth_date, city, zip, yearly_income, age FROM customers"));
        var billingClients = await Released(new ScriptInput("Billing clients", ScriptKind.Extractor, null,
            "SELECT client_id AS id, name AS full_name, email, city, yearly_income, age FROM clients"));
        var billingOrders = await Released(new ScriptInput("Billing orders", ScriptKind.Extractor, null,
            "SELECT order_id, customer_id, amount, ordered_at, status FROM orders"));
        var ageRange = await Rule("Age 18 to 100", FieldType.Integer, FieldRuleType.FillOutOfRange, min: "18", max: "100");
        var amountRequired = await Rule("Amount required", FieldType.Double, FieldRuleType.RemoveEmpty);
        var amountRange = await Rule("Amount 0 to 100000", FieldType.Double, FieldRuleType.RemoveOutOfRange, min: "0", max: "100000");
        var ageBands = await Anonymize("Age in 10-year bands", AnonymizationMethod.Generalization, ("width", "10"));
        var zipPrefix = await Anonymize("ZIP code to 3 digits", AnonymizationMethod.Generalization, ("prefix", "3"));
        var birthYear = await Anonymize("Birth date to the year", AnonymizationMethod.Generalization, ("truncate", "year"));
        var hide = await Anonymize("Hide", AnonymizationMethod.Suppression);
        var incomeNoise = await Anonymize("Income noise", AnonymizationMethod.Perturbation, ("distribution", "laplace"), ("scale", "2000"));
        var totals = await Released(new ScriptInput("Order totals per customer", ScriptKind.Transformer, null,
            "SELECT customer_id, count(*) AS orders, round(sum(amount)::numeric, 2) AS total FROM orders GROUP BY customer_id",
            Transformation: new TransformationSettings(TransformationType.Merge, "order_totals")));

        var id = await tasks.CreateAsync(alice, taskName, description, ct);
        await tasks.UpdateTablesAsync(alice, id,
        [
            new TableConfig("customers",
                [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("full_name", FieldType.String, []), new ColumnConfig("email", FieldType.String, []),
                 new ColumnConfig("birth_date", FieldType.Date, []), new ColumnConfig("city", FieldType.String, []), new ColumnConfig("zip", FieldType.String, []),
                 new ColumnConfig("yearly_income", FieldType.Double, []), new ColumnConfig("age", FieldType.Integer, [])],
                "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(crmCustomers, crm, 10), new ExtractionConfig(billingClients, billing, 5)]),
            new TableConfig("orders",
                [new ColumnConfig("order_id", FieldType.Integer, []), new ColumnConfig("customer_id", FieldType.Integer, []), new ColumnConfig("amount", FieldType.Double, []),
                 new ColumnConfig("ordered_at", FieldType.DateTime, []), new ColumnConfig("status", FieldType.String, [])],
                "order_id", MergeStrategy.SourcePriority, [new ForeignKeyConfig("customer_id", "customers", "id")], [new ExtractionConfig(billingOrders, billing, 1)]),
        ], ct);
        await tasks.UpdateFieldRulesAsync(alice, id,
            [new FieldRuleBinding("customers", "age", [ageRange]), new FieldRuleBinding("orders", "amount", [amountRequired, amountRange])], ct);
        await tasks.UpdateAnonymizationAsync(alice, id,
        [
            new AnonymizationBinding("customers", "age", ageBands, QuasiIdentifier: true, Sensitive: false),
            new AnonymizationBinding("customers", "city", null, QuasiIdentifier: true, Sensitive: false),
            new AnonymizationBinding("customers", "zip", zipPrefix, false, false),
            new AnonymizationBinding("customers", "birth_date", birthYear, false, false),
            new AnonymizationBinding("customers", "full_name", hide, false, false),
            new AnonymizationBinding("customers", "email", hide, false, false),
            new AnonymizationBinding("customers", "yearly_income", incomeNoise, false, false),
        ], new PrivacySettings(3, null, null), ct);
        await tasks.UpdateTransformationsAsync(alice, id, [totals], ct);
        await tasks.UpdateUploadAsync(alice, id, upload, ct);
        await tasks.ReleaseAsync(alice, id, ct);
        return id;
    }
}
