using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Tests.Scripts;

public sealed class ScriptValidatorTests
{
    private static Dictionary<string, string> P(params string[] kv) => kv.Chunk(2).ToDictionary(x => x[0], x => x[1]);

    public static TheoryData<string, ScriptInput, string> Invalid() => new()
    {
        { "no name", new ScriptInput(" ", ScriptKind.Extractor, null, "SELECT 1"), "name" },
        { "extractor without body", new ScriptInput("e", ScriptKind.Extractor, null, ""), "body" },
        { "transformer without SQL", new ScriptInput("t", ScriptKind.Transformer, null, "", Transformation: new(TransformationType.Update, null)), "body" },
        { "merge without target", new ScriptInput("t", ScriptKind.Transformer, null, "SELECT 1", Transformation: new(TransformationType.Merge, null)), "transformation.targetTable" },
        { "merge into a bad name", new ScriptInput("t", ScriptKind.Transformer, null, "SELECT 1", Transformation: new(TransformationType.Merge, "drop table;")), "transformation.targetTable" },
        { "field rule missing", new ScriptInput("f", ScriptKind.FieldRule, null, ""), "fieldRule" },
        { "FillEmpty without default", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillEmpty)), "fieldRule.defaultValue" },
        { "default of the wrong type", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillEmpty, "twelve")), "fieldRule.defaultValue" },
        { "range on a string", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.String, FieldRuleType.FillOutOfRange, null, "a", "z")), "fieldRule.fieldType" },
        { "range without bounds", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.RemoveOutOfRange)), "fieldRule.minValue" },
        { "min above max", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Double, FieldRuleType.FillOutOfRange, null, "120", "18")), "fieldRule.minValue" },
        { "max not a date", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Date, FieldRuleType.IgnoreOutOfRange, null, "2020-01-01", "soon")), "fieldRule.maxValue" },
        { "anonymization missing", new ScriptInput("a", ScriptKind.AnonymizationRule, null, ""), "anonymization" },
        { "generalization with two forms", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("width", "10", "prefix", "2"))), "anonymization.parameters" },
        { "negative width", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("width", "-5"))), "anonymization.parameters.width" },
        { "truncate to week", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("truncate", "week"))), "anonymization.parameters.truncate" },
        { "k of one", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Suppression, P("k", "1"))), "anonymization.parameters.k" },
        { "anatomization without l", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Anatomization, P())), "anonymization.parameters.l" },
        { "perturbation without scale", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("distribution", "laplace"))), "anonymization.parameters.scale" },
        { "unknown noise", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("distribution", "uniform", "scale", "1"))), "anonymization.parameters.distribution" },
        { "settings of another kind", new ScriptInput("e", ScriptKind.Extractor, null, "SELECT 1", new FieldRuleSettings(FieldType.Integer, FieldRuleType.IgnoreEmpty)), "fieldRule" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Each_rule_names_the_field_that_breaks_it(string because, ScriptInput input, string path)
    {
        var problems = ScriptValidator.Validate(input);
        Assert.True(problems.Any(p => p.Path == path), $"{because}: expected a problem at {path}, got [{string.Join("; ", problems)}]");
    }

    public static TheoryData<ScriptInput> Valid() =>
    [
        new ScriptInput("crm customers", ScriptKind.Extractor, null, "SELECT id, full_name FROM customers"),
        new ScriptInput("age 18-120", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Integer, FieldRuleType.FillOutOfRange, null, "18", "120")),
        new ScriptInput("unknown city", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.String, FieldRuleType.FillEmpty, "unknown")),
        new ScriptInput("age bands", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("width", "10"))),
        new ScriptInput("income noise", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("distribution", "laplace", "scale", "500"))),
        new ScriptInput("l-diverse", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Anatomization, P("l", "2"))),
        new ScriptInput("totals", ScriptKind.Transformer, null, "SELECT customer_id, sum(amount) FROM orders GROUP BY 1", Transformation: new(TransformationType.Merge, "order_totals")),
        new ScriptInput("upload", ScriptKind.Uploader, null, ""),
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void Well_formed_scripts_of_every_kind_pass(ScriptInput input) => Assert.Empty(ScriptValidator.Validate(input));
}
