using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtlStudio.Core.Audit;

/// <summary>
/// The before/after of the fields a change touched. Fields marked secret are recorded only as
/// "changed", never with their values.
/// </summary>
public sealed class AuditChanges
{
    private readonly JsonObject _fields = new();

    public static AuditChanges None => new();

    public AuditChanges Field(string name, object? before, object? after)
    {
        if (Equals(before, after)) return this;
        _fields[name] = new JsonObject { ["before"] = ToNode(before), ["after"] = ToNode(after) };
        return this;
    }

    /// <summary>Records that a field was set; the value itself is left out.</summary>
    public AuditChanges Created(string name, object? value) => Field(name, null, value);

    /// <summary>Records that a secret changed without recording either value.</summary>
    public AuditChanges Secret(string name, bool changed = true)
    {
        if (changed) _fields[name] = new JsonObject { ["before"] = "***", ["after"] = "*** (changed)" };
        return this;
    }

    /// <summary>Extra context that is not a field change (for example a reason for a denial).</summary>
    public AuditChanges Note(string name, object? value)
    {
        _fields[name] = ToNode(value);
        return this;
    }

    public bool IsEmpty => _fields.Count == 0;

    public string ToJson() => _fields.ToJsonString();

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        string s => JsonValue.Create(s),
        _ => JsonSerializer.SerializeToNode(value, value.GetType()),
    };
}
