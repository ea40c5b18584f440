using System.Globalization;
using System.Text.RegularExpressions;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Scripts;

/// <summary>The rules a script must meet for its kind; every problem is reported with its field.</summary>
public static partial class ScriptValidator
{
    public const int MaxBodyLength = 1024 * 1024;

    public static IReadOnlyList<ValidationProblem> Validate(ScriptInput s)
    {
        var p = new List<ValidationProblem>();
        if (string.IsNullOrWhiteSpace(s.Name) || s.Name.Trim().Length > 200) p.Add(new("name", "A name of 1 to 200 characters is required."));
        if (!Enum.IsDefined(s.Kind)) p.Add(new("kind", "Unknown script kind."));
        if (s.Body.Length > MaxBodyLength) p.Add(new("body", $"The body is limited to {MaxBodyLength / 1024} KiB."));
        if (s.FieldRule is not null && s.Kind != ScriptKind.FieldRule) p.Add(new("fieldRule", $"A {s.Kind} script has no field rule."));
        if (s.Anonymization is not null && s.Kind != ScriptKind.AnonymizationRule) p.Add(new("anonymization", $"A {s.Kind} script has no anonymization rule."));
        if (s.Transformation is not null && s.Kind != ScriptKind.Transformer) p.Add(new("transformation", $"A {s.Kind} script has no transformation."));
        foreach (var (f, i) in (s.Fields ?? []).Select((f, i) => (f, i)))
            if (string.IsNullOrWhiteSpace(f.FieldName)) p.Add(new($"fields[{i}].fieldName", "A field needs a name."));

        switch (s.Kind)
        {
            case ScriptKind.Extractor:
                if (string.IsNullOrWhiteSpace(s.Body)) p.Add(new("body", "An extraction script needs a body: a SQL query for a PostgreSQL source, or a request path (for example GET /customers) for an HTTP source."));
                break;
            case ScriptKind.Transformer:
                if (string.IsNullOrWhiteSpace(s.Body)) p.Add(new("body", "A transformation needs SQL."));
                if (s.Transformation is null) p.Add(new("transformation", "Choose Merge or Update."));
                else if (s.Transformation.Type == TransformationType.Merge && !IsIdentifier(s.Transformation.TargetTable))
                    p.Add(new("transformation.targetTable", "A Merge writes its result to a table: give its name (letters, digits, _; at most 63)."));
                else if (s.Transformation.TargetTable is { Length: > 0 } t && !IsIdentifier(t))
                    p.Add(new("transformation.targetTable", "Table names use letters, digits and _ (at most 63)."));
                break;
            case ScriptKind.FieldRule:
                if (s.FieldRule is null) p.Add(new("fieldRule", "A field rule needs its type and strategy."));
                else ValidateFieldRule(s.FieldRule, p);
                break;
            case ScriptKind.AnonymizationRule:
                if (s.Anonymization is null) p.Add(new("anonymization", "Choose an anonymization method."));
                else ValidateAnonymization(s.Anonymization, p);
                break;
        }
        return p;
    }

    private static void ValidateFieldRule(FieldRuleSettings r, List<ValidationProblem> p)
    {
        if (!Enum.IsDefined(r.FieldType)) p.Add(new("fieldRule.fieldType", "Unknown field type."));
        if (!Enum.IsDefined(r.Type)) p.Add(new("fieldRule.type", "Unknown rule type."));
        if (r.Type == FieldRuleType.FillEmpty)
        {
            if (string.IsNullOrEmpty(r.DefaultValue)) p.Add(new("fieldRule.defaultValue", "FillEmpty needs the value to put in empty fields."));
            else if (!TryConvert(r.FieldType, r.DefaultValue, out _)) p.Add(new("fieldRule.defaultValue", $"'{r.DefaultValue}' is not a valid {r.FieldType}."));
        }
        if (!r.IsRangeRule) return;
        if (r.FieldType is FieldType.String or FieldType.Boolean)
        {
            p.Add(new("fieldRule.fieldType", $"Ranges apply to numbers and dates, not to {r.FieldType}."));
            return;
        }
        if (string.IsNullOrEmpty(r.MinValue) && string.IsNullOrEmpty(r.MaxValue)) p.Add(new("fieldRule.minValue", "A range rule needs a minimum, a maximum or both."));
        object? min = null, max = null;
        if (!string.IsNullOrEmpty(r.MinValue) && !TryConvert(r.FieldType, r.MinValue, out min)) p.Add(new("fieldRule.minValue", $"'{r.MinValue}' is not a valid {r.FieldType}."));
        if (!string.IsNullOrEmpty(r.MaxValue) && !TryConvert(r.FieldType, r.MaxValue, out max)) p.Add(new("fieldRule.maxValue", $"'{r.MaxValue}' is not a valid {r.FieldType}."));
        if (min is IComparable a && max is not null && a.CompareTo(max) > 0) p.Add(new("fieldRule.minValue", "The minimum is greater than the maximum."));
    }

    private static void ValidateAnonymization(AnonymizationSettings a, List<ValidationProblem> p)
    {
        var q = a.Parameters;
        bool Positive(string key, bool integer) => q.TryGetValue(key, out var v) && (integer
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i > 0
            : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0);
        switch (a.Method)
        {
            case AnonymizationMethod.Generalization:
                var forms = new[] { "width", "truncate", "prefix", "groups" }.Count(q.ContainsKey);
                if (forms != 1) p.Add(new("anonymization.parameters", "Generalization takes exactly one of: width (numbers), truncate (year, month or day), prefix (strings), groups (value→group map as JSON)."));
                else if (q.ContainsKey("width") && !Positive("width", false)) p.Add(new("anonymization.parameters.width", "The interval width is a positive number."));
                else if (q.TryGetValue("truncate", out var t) && t is not ("year" or "month" or "day")) p.Add(new("anonymization.parameters.truncate", "Truncate to year, month or day."));
                else if (q.TryGetValue("prefix", out var pre) && (!int.TryParse(pre, out var n) || n < 0)) p.Add(new("anonymization.parameters.prefix", "The prefix length is 0 or more."));
                else if (q.TryGetValue("groups", out var g) && !IsJsonObject(g)) p.Add(new("anonymization.parameters.groups", "Groups are a JSON object mapping value to group."));
                break;
            case AnonymizationMethod.Suppression:
                if (q.ContainsKey("k") && !(Positive("k", true) && int.Parse(q["k"], CultureInfo.InvariantCulture) >= 2)) p.Add(new("anonymization.parameters.k", "k is a whole number of at least 2."));
                break;
            case AnonymizationMethod.Anatomization:
                if (!(Positive("l", true) && int.Parse(q["l"], CultureInfo.InvariantCulture) >= 2)) p.Add(new("anonymization.parameters.l", "Anatomization needs l, a whole number of at least 2."));
                break;
            case AnonymizationMethod.Permutation:
                if (q.TryGetValue("withinGroups", out var w) && !bool.TryParse(w, out _)) p.Add(new("anonymization.parameters.withinGroups", "withinGroups is true or false."));
                break;
            case AnonymizationMethod.Perturbation:
                if (q.ContainsKey("days")) { if (!Positive("days", true)) p.Add(new("anonymization.parameters.days", "The date shift is a positive number of days.")); }
                else
                {
                    if (!q.TryGetValue("distribution", out var dist) || dist is not ("laplace" or "gaussian")) p.Add(new("anonymization.parameters.distribution", "Choose laplace or gaussian noise (or days, for dates)."));
                    if (!Positive("scale", false)) p.Add(new("anonymization.parameters.scale", "The noise scale is a positive number."));
                }
                break;
            default:
                p.Add(new("anonymization.method", "Unknown anonymization method."));
                break;
        }
    }

    /// <summary>Converts text to the column type, culture-independently.</summary>
    public static bool TryConvert(FieldType type, string text, out object? value)
    {
        var inv = CultureInfo.InvariantCulture;
        value = null;
        switch (type)
        {
            case FieldType.Integer when long.TryParse(text, NumberStyles.Integer, inv, out var l): value = l; return true;
            case FieldType.Double when double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d): value = d; return true;
            case FieldType.Boolean when bool.TryParse(text, out var b): value = b; return true;
            case FieldType.Date when DateOnly.TryParse(text, inv, out var dt): value = dt; return true;
            case FieldType.DateTime when DateTimeOffset.TryParse(text, inv, DateTimeStyles.AssumeUniversal, out var dto): value = dto; return true;
            case FieldType.String: value = text; return true;
            default: return false;
        }
    }

    public static bool IsIdentifier(string? name) => name is not null && IdentifierPattern().IsMatch(name);

    private static bool IsJsonObject(string json)
    {
        try { return System.Text.Json.JsonDocument.Parse(json).RootElement.ValueKind == System.Text.Json.JsonValueKind.Object; }
        catch (System.Text.Json.JsonException) { return false; }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
