using System.Globalization;
using System.Text.RegularExpressions;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Scripts;

/// <summary>The rules a script must meet for its kind; every problem is reported with its field.</summary>
public static partial class ScriptValidator
{
    /// <summary>Bodies (SQL, request or upload description) are limited to 1 MiB of UTF-8.</summary>
    public const int MaxBodyLength = 1024 * 1024;

    /// <summary>Every problem of <paramref name="s"/> for its kind, each with the path of the field it concerns.</summary>
    public static IReadOnlyList<ValidationProblem> Validate(ScriptInput s)
    {
        var p = new List<ValidationProblem>();
        if (string.IsNullOrWhiteSpace(s.Name) || s.Name.Trim().Length > 200) p.Add(new("name", "A name of 1 to 200 characters is required."));
        if (!Enum.IsDefined(s.Kind)) p.Add(new("kind", "Unknown script kind."));
        if (System.Text.Encoding.UTF8.GetByteCount(s.Body) > MaxBodyLength) p.Add(new("body", $"The body is limited to {MaxBodyLength / 1024} KiB."));
        if (s.FieldRule is not null && s.Kind != ScriptKind.FieldRule) p.Add(new("fieldRule", $"A {s.Kind} script has no field rule."));
        if (s.Anonymization is not null && s.Kind != ScriptKind.AnonymizationRule) p.Add(new("anonymization", $"A {s.Kind} script has no anonymization rule."));
        if (s.Transformation is not null && s.Kind != ScriptKind.Transformer) p.Add(new("transformation", $"A {s.Kind} script has no transformation."));
        foreach (var (f, i) in (s.Fields ?? []).Select((f, i) => (f, i)))
            if (string.IsNullOrWhiteSpace(f.FieldName)) p.Add(new($"fields[{i}].fieldName", "A field needs a name."));

        switch (s.Kind)
        {
            case ScriptKind.Extractor:
                if (string.IsNullOrWhiteSpace(s.Body)) p.Add(new("body", "An extraction script needs a body: a SQL query for a PostgreSQL source, or a request (GET /customers, or a JSON request description) for an HTTP source."));
                else if (ExtractorBody.Classify(s.Body) == ExtractorBodyForm.Http && !ExtractorBody.TryParseHttp(s.Body, out _, out var httpError)) p.Add(new("body", httpError!));
                break;
            case ScriptKind.Transformer:
                if (string.IsNullOrWhiteSpace(s.Body)) p.Add(new("body", "A transformation needs SQL."));
                if (s.Transformation is null) p.Add(new("transformation", "Choose Merge or Update."));
                else if (!Enum.IsDefined(s.Transformation.Type)) p.Add(new("transformation.type", "Choose Merge or Update."));
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
            case ScriptKind.Uploader:
                if (!UploadDescription.TryParse(s.Body, out _, out var uploadError)) p.Add(new("body", uploadError!));
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
        if (!AnonymizationParameters.Names.TryGetValue(a.Method, out var known))
        {
            p.Add(new("anonymization.method", "Unknown anonymization method."));
            return;
        }
        // A misspelt parameter would otherwise be ignored silently and the column published less protected than intended.
        foreach (var unknown in q.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal))
            p.Add(new($"anonymization.parameters.{unknown}", $"{a.Method} takes {string.Join(", ", known)}; '{unknown}' is not one of them."));
        bool Number(string key, double min, double max) => q.TryGetValue(key, out var v)
            && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d >= min && d <= max;
        bool Whole(string key, int min, int max) => q.TryGetValue(key, out var v)
            && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max;
        bool Flag(string key) => !q.TryGetValue(key, out var v) || bool.TryParse(v, out _);
        switch (a.Method)
        {
            case AnonymizationMethod.Generalization:
                var forms = new[] { "width", "truncate", "prefix", "groups" }.Count(q.ContainsKey);
                if (forms != 1) p.Add(new("anonymization.parameters", "Generalization takes exactly one of: width (numbers), truncate (year, month or day), prefix (strings), groups (value→group map as JSON)."));
                else if (q.ContainsKey("width") && !Number("width", double.Epsilon, double.MaxValue)) p.Add(new("anonymization.parameters.width", "The interval width is a positive number."));
                else if (q.TryGetValue("truncate", out var t) && !Enum.TryParse<DateTruncation>(t, ignoreCase: true, out _)) p.Add(new("anonymization.parameters.truncate", "Truncate to year, month or day."));
                else if (q.ContainsKey("prefix") && !Whole("prefix", 0, 255)) p.Add(new("anonymization.parameters.prefix", "The prefix length is a whole number from 0 to 255."));
                else if (q.TryGetValue("groups", out var g) && !IsStringMap(g)) p.Add(new("anonymization.parameters.groups", "Groups are a JSON object mapping each value to its group, both as text."));
                break;
            case AnonymizationMethod.Suppression:
                if (q.ContainsKey("k") && !Whole("k", 2, 1_000_000)) p.Add(new("anonymization.parameters.k", "k is a whole number of at least 2."));
                if (!Flag("asNull")) p.Add(new("anonymization.parameters.asNull", "asNull is true or false."));
                if (q.TryGetValue("replacement", out var r) && r.Length > 64) p.Add(new("anonymization.parameters.replacement", "The replacement is at most 64 characters."));
                break;
            case AnonymizationMethod.Anatomization:
                if (!Whole("l", 2, 1000)) p.Add(new("anonymization.parameters.l", "Anatomization needs l, a whole number of at least 2."));
                break;
            case AnonymizationMethod.Permutation:
                if (!Flag("withinGroups")) p.Add(new("anonymization.parameters.withinGroups", "withinGroups is true or false."));
                break;
            case AnonymizationMethod.Perturbation:
                if (q.ContainsKey("days"))
                {
                    if (!Whole("days", 1, 36_500)) p.Add(new("anonymization.parameters.days", "The date shift is a whole number of days from 1 to 36500."));
                    if (q.ContainsKey("distribution") || q.ContainsKey("scale")) p.Add(new("anonymization.parameters", "Give either days (dates) or distribution and scale (numbers), not both."));
                }
                else
                {
                    if (!q.TryGetValue("distribution", out var dist) || !Enum.TryParse<NoiseDistribution>(dist, ignoreCase: true, out _))
                        p.Add(new("anonymization.parameters.distribution", "Choose laplace or gaussian noise (or days, for dates)."));
                    if (!Number("scale", double.Epsilon, double.MaxValue)) p.Add(new("anonymization.parameters.scale", "The noise scale is a positive number."));
                }
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

    /// <summary>A PostgreSQL identifier we can quote safely: letters, digits and _, at most 63, not starting with a digit.</summary>
    public static bool IsIdentifier(string? name) => name is not null && IdentifierPattern().IsMatch(name);

    private static bool IsStringMap(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && doc.RootElement.EnumerateObject().All(x => x.Value.ValueKind == System.Text.Json.JsonValueKind.String);
        }
        catch (System.Text.Json.JsonException) { return false; }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
