using EtlStudio.Core.Access;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Demo;

/// <summary>
/// Seeds the demo task the way people would make it: alice asks bob for READ on his sources and he approves, then
/// she writes and releases the scripts and configures and releases "Customer churn (demo)" — customers from CRM and
/// billing merged by key, their orders checked against them, cleaned, totalled, anonymized, uploaded to the warehouse.
/// </summary>
public sealed class DemoTaskSeeder(ChangeScope scope, AccessRequestService access, ScriptService scripts, TaskService tasks, Notifications.NotificationService notifications)
{
    public const string TaskName = "Customer churn (demo)";

    public async Task SeedAsync(Guid crm, Guid billing, Guid warehouse, CancellationToken ct)
    {
        if (await scope.ReadAsync(db => db.Tasks.AnyAsync(t => t.Name == TaskName, ct), ct)) return;
        var alice = new Actor(DemoSeeder.AliceId, "alice", ActorSource.Job, null, "demo-seed");
        var bob = new Actor(DemoSeeder.BobId, "bob", ActorSource.Job, null, "demo-seed");
        foreach (var source in new[] { crm, billing })
        {
            var request = await access.RequestAsync(alice, source, AccessType.Read, "Building the churn model's training data.", null, ct);
            await access.DecideAsync(bob, request, approve: true, "For the churn model.", null, ct);
        }
        // The demo's history happened before anyone signs in: its notifications are already read.
        await notifications.MarkReadAsync(alice, null, ct);
        await notifications.MarkReadAsync(bob, null, ct);

        async Task<Guid> Released(ScriptInput input)
        {
            var id = await scripts.CreateAsync(alice, input, ct);
            await scripts.ReleaseAsync(alice, id, ct);
            return id;
        }
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
        var upload = await Released(new ScriptInput("Warehouse upload", ScriptKind.Uploader, null, """{"tablePrefix": "churn"}"""));

        var id = await tasks.CreateAsync(alice, TaskName, "Customers and orders for the churn model: merged, cleaned, anonymized.", ct);
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
        await tasks.UpdateUploadAsync(alice, id, new UploadConfig(upload, warehouse), ct);
        await tasks.ReleaseAsync(alice, id, ct);
    }
}
