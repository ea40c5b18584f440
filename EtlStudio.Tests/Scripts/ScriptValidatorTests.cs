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
        { "HTTP request to another host", new ScriptInput("e", ScriptKind.Extractor, null, "GET https://elsewhere.example/customers"), "body" },
        { "HTTP request climbing out of the base URL", new ScriptInput("e", ScriptKind.Extractor, null, "/api/../admin"), "body" },
        { "HTTP method that changes data", new ScriptInput("e", ScriptKind.Extractor, null, "DELETE /customers"), "body" },
        { "request description that is not JSON", new ScriptInput("e", ScriptKind.Extractor, null, "{\"path\": "), "body" },
        { "request description without a path", new ScriptInput("e", ScriptKind.Extractor, null, "{\"method\": \"GET\"}"), "body" },
        { "credentials in a script", new ScriptInput("e", ScriptKind.Extractor, null, "{\"path\": \"/c\", \"headers\": {\"Authorization\": \"Bearer x\"}}"), "body" },
        { "body over 1 MiB", new ScriptInput("e", ScriptKind.Extractor, null, "SELECT '" + new string('x', ScriptValidator.MaxBodyLength) + "'"), "body" },
        { "body over 1 MiB in UTF-8 bytes", new ScriptInput("t", ScriptKind.Transformer, null, "SELECT '" + new string('é', ScriptValidator.MaxBodyLength / 2 + 1) + "'", Transformation: new(TransformationType.Update, null)), "body" },
        { "upload description that is not an object", new ScriptInput("u", ScriptKind.Uploader, null, "upload everything"), "body" },
        { "upload batch of zero", new ScriptInput("u", ScriptKind.Uploader, null, "{\"batchSize\": 0}"), "body" },
        { "upload description with an unknown setting", new ScriptInput("u", ScriptKind.Uploader, null, "{\"tabel\": \"x\"}"), "body" },
        { "upload prefix that is not an identifier", new ScriptInput("u", ScriptKind.Uploader, null, "{\"tablePrefix\": \"a-b\"}"), "body" },
        { "misspelt anonymization parameter", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("width", "10", "widht", "5"))), "anonymization.parameters.widht" },
        { "groups that are not text to text", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("groups", "{\"a\": 1}"))), "anonymization.parameters.groups" },
        { "prefix too long", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("prefix", "1000"))), "anonymization.parameters.prefix" },
        { "asNull not a flag", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Suppression, P("asNull", "maybe"))), "anonymization.parameters.asNull" },
        { "l of one", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Anatomization, P("l", "1"))), "anonymization.parameters.l" },
        { "withinGroups not a flag", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Permutation, P("withinGroups", "yes"))), "anonymization.parameters.withinGroups" },
        { "date shift of zero days", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("days", "0"))), "anonymization.parameters.days" },
        { "date shift and noise together", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("days", "3", "scale", "1"))), "anonymization.parameters" },
        { "infinite noise", new ScriptInput("a", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("distribution", "gaussian", "scale", "Infinity"))), "anonymization.parameters.scale" },
        { "FillEmpty default not a date", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Date, FieldRuleType.FillEmpty, "yesterday")), "fieldRule.defaultValue" },
        { "range on a boolean", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Boolean, FieldRuleType.IgnoreOutOfRange, null, "false", "true")), "fieldRule.fieldType" },
        { "datetime min after max", new ScriptInput("f", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.DateTime, FieldRuleType.RemoveOutOfRange, null, "2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z")), "fieldRule.minValue" },
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
        new ScriptInput("upload to churn_*", ScriptKind.Uploader, null, "{\"tablePrefix\": \"churn\", \"batchSize\": 500, \"path\": \"/ingest\"}"),
        new ScriptInput("api customers", ScriptKind.Extractor, null, "GET /customers?active=true"),
        new ScriptInput("api customers, path only", ScriptKind.Extractor, null, "/customers"),
        new ScriptInput("api search", ScriptKind.Extractor, null, "{\"method\": \"POST\", \"path\": \"/search\", \"body\": {\"active\": true}, \"records\": \"/data/items\"}"),
        new ScriptInput("masked", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Suppression, P("replacement", "#", "k", "3"))),
        new ScriptInput("shuffled", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Permutation, P("withinGroups", "true"))),
        new ScriptInput("shifted", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Perturbation, P("days", "30"))),
        new ScriptInput("regions", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("groups", "{\"Berlin\": \"DE\", \"Paris\": \"FR\"}"))),
        new ScriptInput("birth month", ScriptKind.AnonymizationRule, null, "", Anonymization: new(AnonymizationMethod.Generalization, P("truncate", "month"))),
        new ScriptInput("signup window", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.DateTime, FieldRuleType.RemoveOutOfRange, null, "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")),
        new ScriptInput("active default", ScriptKind.FieldRule, null, "", new FieldRuleSettings(FieldType.Boolean, FieldRuleType.FillEmpty, "false")),
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void Well_formed_scripts_of_every_kind_pass(ScriptInput input) => Assert.Empty(ScriptValidator.Validate(input));
}
