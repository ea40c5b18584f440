using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 30: the run's plan, made once from the task snapshot before the first step, on small tasks whose plan is
/// worked out by hand: the order the steps take the tables in, which columns each step may write, which tables reach
/// the outbox as extracted (and so are written logged from the start), and how each table is anonymized.
/// </summary>
public sealed class RunPlanTests
{
    [Fact]
    public void A_task_without_rewrites_publishes_every_table_as_extracted_in_the_tasks_order()
    {
        var plan = Plan(Task(
            [Customers(), Orders()],
            [new ResolvedTransformation(Guid.NewGuid(), 1, TransformationType.Merge, "totals", "SELECT customer_id, sum(amount) FROM orders GROUP BY 1")]));

        Assert.True(plan.TransformationsOnlyRead);
        Assert.Equal([("customers", 0), ("orders", 1)], plan.Tables.Select(t => (t.Table.Name, t.Index)));
        Assert.All(plan.Tables, t =>
        {
            Assert.True(t.PublishedAsExtracted);
            Assert.Empty(t.RewrittenByFieldRules);
            Assert.Empty(t.RewrittenByMerge);
            Assert.Empty(t.RewrittenByTransform);
            Assert.Empty(t.RewrittenByAnonymization);
            Assert.Null(t.AnonymizationRequest);
            Assert.Null(t.Anonymization);
        });
    }

    [Fact]
    public void Regenerated_keys_and_an_anonymized_column_are_written_anew_but_fills_and_clamps_rewrite_in_place()
    {
        // customers: Regenerate, age filled when empty (0) and clamped to [0, 120]; city dropped when empty.
        var customers = Customers(MergeStrategy.Regenerate,
            Column("age", FieldType.Integer, empty: Rule(FieldRuleType.FillEmpty, FieldType.Integer, fill: "0"),
                range: Rule(FieldRuleType.FillOutOfRange, FieldType.Integer, min: "0", max: "120")),
            Column("city", FieldType.String, empty: Rule(FieldRuleType.RemoveEmpty, FieldType.String)));
        // orders: amount dropped out of range (no rewrite) and generalized; note filled from a default that is no number (no rule).
        var orders = Orders(
            Column("amount", FieldType.Double, range: Rule(FieldRuleType.RemoveOutOfRange, FieldType.Double, min: "0"),
                anonymization: new ResolvedAnonymization(Guid.NewGuid(), AnonymizationMethod.Generalization, new GeneralizationParameters(10, null, null, null))),
            Column("items", FieldType.Integer, empty: Rule(FieldRuleType.FillEmpty, FieldType.Integer, fill: "many")));

        var plan = Plan(Task([customers, orders]));

        var c = plan.Table("customers");
        Assert.Equal(["age"], c.RewrittenByFieldRules);
        Assert.Equal(["id"], c.RewrittenByMerge);
        Assert.Empty(c.RewrittenByAnonymization);
        Assert.False(c.PublishedAsExtracted);
        var age = c.FieldRules.Single(r => r.Column.Name == "age");
        Assert.Equal((true, 0L, FieldRuleType.FillOutOfRange, 0L, 120L), (age.FillsEmpty, Convert.ToInt64(age.Fill), age.Range!.Value, Convert.ToInt64(age.Min), Convert.ToInt64(age.Max)));
        Assert.True(c.FieldRules.Single(r => r.Column.Name == "city").RemoveEmpty);

        var o = plan.Table("orders");
        Assert.Empty(o.RewrittenByFieldRules);
        Assert.False(o.FieldRules.Single(r => r.Column.Name == "items").FillsEmpty);
        Assert.Equal(FieldRuleType.RemoveOutOfRange, o.FieldRules.Single(r => r.Column.Name == "amount").Range);
        Assert.Empty(o.RewrittenByMerge);
        Assert.Equal(["amount"], o.RewrittenByAnonymization);
        Assert.False(o.PublishedAsExtracted);
        Assert.Equal(["amount"], o.Anonymization!.RowLocal.Select(x => x.Name));
        Assert.Equal(("run_x", "orders", 1, 7L, (long?)null),
            (o.AnonymizationRequest!.Schema, o.AnonymizationRequest.Table, o.AnonymizationRequest.Ordinal, o.AnonymizationRequest.Seed, o.AnonymizationRequest.Rows));
    }

    [Fact]
    public void An_Update_script_may_rewrite_every_column_of_every_table_so_none_is_published_as_extracted()
    {
        var plan = Plan(Task([Customers(), Orders()],
            [new ResolvedTransformation(Guid.NewGuid(), 1, TransformationType.Merge, "totals", "SELECT 1 AS n"),
             new ResolvedTransformation(Guid.NewGuid(), 2, TransformationType.Update, null, "UPDATE orders SET amount = 0")]));

        Assert.False(plan.TransformationsOnlyRead);
        Assert.Equal(["id", "name"], plan.Table("customers").RewrittenByTransform);
        Assert.Equal(["id", "customer_id"], plan.Table("orders").RewrittenByTransform);
        Assert.All(plan.Tables, t => Assert.False(t.PublishedAsExtracted));
    }

    [Fact]
    public void Tables_go_parents_first_whatever_the_snapshots_order_and_a_reference_to_itself_holds_no_table_back()
    {
        var employees = new ResolvedTable("employees", [Column("id", FieldType.Integer), Column("manager_id", FieldType.Integer)], "id",
            MergeStrategy.SourcePriority, [new ForeignKeyConfig("manager_id", "employees", "id")], []);
        var lines = new ResolvedTable("lines", [Column("order_id", FieldType.Integer)], null, MergeStrategy.SourcePriority,
            [new ForeignKeyConfig("order_id", "orders", "id")], []);

        var plan = Plan(Task([lines, Orders(), employees, Customers()]));

        // lines waits for orders, which waits for customers; employees only refers to itself.
        Assert.Equal([("employees", 2), ("customers", 3), ("orders", 1), ("lines", 0)], plan.Tables.Select(t => (t.Table.Name, t.Index)));
    }

    [Fact]
    public void Quasi_identifiers_alone_are_anonymized_in_place_and_an_anatomized_column_takes_the_stricter_l()
    {
        var customers = Customers(MergeStrategy.SourcePriority, Column("zip", FieldType.String, quasiIdentifier: true),
            Column("illness", FieldType.String, anonymization: new ResolvedAnonymization(Guid.NewGuid(), AnonymizationMethod.Anatomization, new AnatomizationParameters(2))));
        var orders = Orders(Column("amount", FieldType.Double, quasiIdentifier: true));

        var plan = Plan(Task([customers, orders], privacy: new PrivacySettings(K: 3, L: 4, Seed: null)));

        // k-anonymity only removes records: orders is still the table extracted, but it goes through the anonymizer.
        var o = plan.Table("orders");
        Assert.True(o.PublishedAsExtracted);
        Assert.Equal(["amount"], o.Anonymization!.QuasiIdentifiers);
        Assert.Equal(3, o.Anonymization.K);
        Assert.Empty(o.Anonymization.RowLocal);
        Assert.Null(o.Anonymization.Anatomized);

        var c = plan.Table("customers");
        Assert.False(c.PublishedAsExtracted);
        Assert.Equal(["illness"], c.RewrittenByAnonymization);
        Assert.Equal(("illness", 4), (c.Anonymization!.Anatomized!.Name, c.Anonymization.L));
        Assert.Equal(["illness"], c.Anonymization.Sensitive.Select(x => x.Name));
    }

    [Fact]
    public void A_table_the_anonymizer_cannot_plan_keeps_its_reason_for_the_anonymize_step_and_the_other_tables_are_planned()
    {
        var anatomy = new ResolvedAnonymization(Guid.NewGuid(), AnonymizationMethod.Anatomization, new AnatomizationParameters(2));
        var plan = Plan(Task([Customers(MergeStrategy.SourcePriority, Column("disease", FieldType.String, anonymization: anatomy),
            Column("drug", FieldType.String, anonymization: anatomy)), Orders(Column("amount", FieldType.Double, quasiIdentifier: true))]));

        var c = plan.Table("customers");
        Assert.Null(c.Anonymization);
        Assert.Equal("Table customers: only one column can be anatomized, but disease, drug are.", c.AnonymizationRefused);
        Assert.Equal(["disease", "drug"], c.RewrittenByAnonymization);
        Assert.Null(plan.Table("orders").AnonymizationRefused);
        Assert.Equal(["amount"], plan.Table("orders").Anonymization!.QuasiIdentifiers);
    }

    private static RunPlan Plan(ResolvedTask task) => RunPlan.For(new PipelineJob(Guid.NewGuid(), "run_x", task, Seed: 7));

    private static ResolvedTask Task(IReadOnlyList<ResolvedTable> tables, IReadOnlyList<ResolvedTransformation>? transformations = null, PrivacySettings? privacy = null) =>
        new(Guid.NewGuid(), "plan", DateTimeOffset.UnixEpoch, tables, transformations ?? [], privacy ?? new PrivacySettings(null, null, null),
            new ResolvedUpload(Guid.NewGuid(), Guid.NewGuid(), ConnectionKind.PostgreSql, new UploadDescription()));

    private static ResolvedTable Customers(MergeStrategy merge = MergeStrategy.SourcePriority, params ResolvedColumn[] more) =>
        new("customers", [Column("id", FieldType.Integer), Column("name", FieldType.String), .. more], "id", merge, [], []);

    private static ResolvedTable Orders(params ResolvedColumn[] more) =>
        new("orders", [Column("id", FieldType.Integer), Column("customer_id", FieldType.Integer), .. more], "id", MergeStrategy.RemoveConflicting,
            [new ForeignKeyConfig("customer_id", "customers", "id")], []);

    private static ResolvedColumn Column(string name, FieldType type, ResolvedFieldRule? empty = null, ResolvedFieldRule? range = null,
        ResolvedAnonymization? anonymization = null, bool quasiIdentifier = false) =>
        new(name, type, empty, range, anonymization, quasiIdentifier, false);

    private static ResolvedFieldRule Rule(FieldRuleType type, FieldType fieldType, string? fill = null, string? min = null, string? max = null) =>
        new(Guid.NewGuid(), new FieldRuleSettings(fieldType, type, fill, min, max));
}
