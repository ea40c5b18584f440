using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlStudio.Core.Scripts;

/// <summary>How a script's kind-specific settings and fields are stored (jsonb, enums by name).</summary>
internal static class ScriptSettingsJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record Stored(FieldRuleSettings? FieldRule, AnonymizationSettings? Anonymization, TransformationSettings? Transformation);

    public static string Write(ScriptInput s) => JsonSerializer.Serialize(new Stored(s.FieldRule, s.Anonymization, s.Transformation), Options);

    public static (FieldRuleSettings?, AnonymizationSettings?, TransformationSettings?) Read(string json)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json, Options);
        return (stored?.FieldRule, stored?.Anonymization, stored?.Transformation);
    }

    public static string WriteFields(IReadOnlyList<ScriptField>? fields) => JsonSerializer.Serialize(fields ?? [], Options);

    public static IReadOnlyList<ScriptField> ReadFields(string json) => JsonSerializer.Deserialize<List<ScriptField>>(json, Options) ?? [];
}
