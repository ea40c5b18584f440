using System.Text.Json;
using System.Text.Json.Nodes;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Reads a <see cref="RunPlan"/> from the run's frozen definition. It accepts a serialized <see cref="ResolvedTask"/>
/// (upload description and range rules inline) or a <see cref="TaskConfiguration"/> (scripts looked up by id); when the
/// definition says nothing about the upload, the task's current configuration is used.
/// </summary>
internal static class RunPlanReader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static async Task<RunPlan> ReadAsync(EtlStudioDbContext db, PipelineRun run, CancellationToken ct)
    {
        var definition = Parse(run.DefinitionJson);
        if (Get(definition, "upload") is null)
        {
            var config = await db.Tasks.Where(t => t.Id == run.TaskId).Select(t => t.ConfigurationJson).FirstOrDefaultAsync(ct);
            definition = Parse(config);
        }
        var upload = Get(definition, "upload");
        Guid? destination = Get(upload, "destinationConnectionId") is JsonValue d && Guid.TryParse(d.ToString(), out var g) ? g : null;

        var description = Get(upload, "description") is JsonObject inline
            ? inline.Deserialize<UploadDescription>(Json) ?? new UploadDescription()
            : null;
        var scriptIds = new List<Guid>();
        if (description is null && Get(upload, "scriptId") is JsonValue s && Guid.TryParse(s.ToString(), out var uploadScript)) scriptIds.Add(uploadScript);
        foreach (var column in Tables(definition).SelectMany(t => Array(Get(t, "columns"))))
            scriptIds.AddRange(Array(Get(column, "fieldRuleScriptIds")).Select(x => Guid.TryParse(x?.ToString(), out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty));
        var scripts = scriptIds.Count == 0 ? [] : await db.Scripts.Where(x => scriptIds.Contains(x.Id)).ToDictionaryAsync(x => x.Id, ct);
        if (description is null && Get(upload, "scriptId") is JsonValue s2 && Guid.TryParse(s2.ToString(), out var id2) && scripts.TryGetValue(id2, out var script))
            UploadDescription.TryParse(script.Body, out description, out _);

        var rules = new Dictionary<string, IReadOnlyDictionary<string, FieldRuleSettings>>(StringComparer.Ordinal);
        foreach (var table in Tables(definition))
        {
            var columns = new Dictionary<string, FieldRuleSettings>(StringComparer.Ordinal);
            foreach (var column in Array(Get(table, "columns")))
            {
                var name = Get(column, "name")?.ToString();
                if (name is null) continue;
                var rule = Get(Get(column, "rangeRule"), "settings") is JsonObject settings ? settings.Deserialize<FieldRuleSettings>(Json) : null;
                rule ??= Array(Get(column, "fieldRuleScriptIds"))
                    .Select(x => Guid.TryParse(x?.ToString(), out var id) && scripts.TryGetValue(id, out var sc) ? ScriptSettingsJson.Read(sc.SettingsJson).Item1 : null)
                    .FirstOrDefault(r => r is { IsRangeRule: true });
                if (rule is { IsRangeRule: true }) columns[name] = rule;
            }
            if (Get(table, "name")?.ToString() is { } tableName && columns.Count > 0) rules[tableName] = columns;
        }
        return new RunPlan(destination, description ?? new UploadDescription(), rules);
    }

    private static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try { return JsonNode.Parse(json); }
        catch (JsonException) { return null; }
    }

    private static IEnumerable<JsonNode?> Tables(JsonNode? definition) => Array(Get(definition, "tables"));

    private static IEnumerable<JsonNode?> Array(JsonNode? node) => node as JsonArray ?? [];

    // The definition's writer may name properties in camelCase or PascalCase.
    private static JsonNode? Get(JsonNode? node, string name) =>
        node is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
}
