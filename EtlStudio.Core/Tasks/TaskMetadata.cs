using System.Text.Json;
using System.Text.Json.Nodes;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// A task's effective metadata as one JSON-LD document: a schema.org <c>Dataset</c> whose tables are
/// MLCommons Croissant <c>RecordSet</c>s of typed <c>Field</c>s, with keys, rules, anonymization,
/// transformations, collection protocol and upload in EtlStudio's own <c>etl:</c> terms. Keys are
/// written in a fixed order so the same configuration always gives the same document.
/// </summary>
public static class TaskMetadata
{
    /// <summary>The IRI of EtlStudio's own terms (prefix <c>etl:</c>).</summary>
    public const string EtlNamespace = "https://etlstudio.dev/ns#";

    /// <summary>Loads the scripts and connections a task refers to and builds its document.</summary>
    internal static async Task<string> ExportAsync(ChangeScope scope, TaskView view, bool includeIds, bool includeTimestamps, CancellationToken ct)
    {
        var c = view.Configuration;
        var ids = TaskService.ReferencedScripts(c);
        var connectionIds = c.Tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId).Concat(c.Upload?.DestinationConnectionId is { } d ? [d] : []).ToList();
        var (scripts, connections) = await scope.ReadAsync(async db => (
            await db.Scripts.Where(s => ids.Contains(s.Id)).ToListAsync(ct),
            await db.Connections.Where(x => connectionIds.Contains(x.Id)).Select(x => new { x.Id, x.Kind, x.Version }).ToListAsync(ct)), ct);
        var views = scripts.ToDictionary(s => s.Id, s =>
        {
            var (rule, anonymization, transformation) = ScriptSettingsJson.Read(s.SettingsJson);
            return new ScriptView(s.Id, s.TaskId, s.Name, s.Kind, s.Body, rule, anonymization, transformation, [], s.Released, s.ReleasedAt, s.Revision, s.DerivedFromId, s.UpdatedAt);
        });
        var destination = connections.FirstOrDefault(x => x.Id == c.Upload?.DestinationConnectionId);
        return Build(view.Name, view.Description, view.Status.ToString(), c, views, includeIds,
            connections.ToDictionary(x => x.Id, x => x.Kind), destination?.Version,
            includeTimestamps ? view.UpdatedAt : null, includeTimestamps ? view.ReleasedAt : null);
    }

    /// <summary>
    /// Builds the document. Timestamps are written only when given; without them and without ids, two tasks
    /// configured alike (in the UI or over gRPC) give byte-identical documents apart from their names.
    /// </summary>
    public static string Build(string name, string description, string status, TaskConfiguration c, IReadOnlyDictionary<Guid, ScriptView> scripts, bool includeIds = true,
        IReadOnlyDictionary<Guid, ConnectionKind>? connections = null, int? version = null, DateTimeOffset? modified = null, DateTimeOffset? released = null)
    {
        JsonNode? Id(Guid? id) => includeIds && id is { } v ? JsonValue.Create(v.ToString()) : null;
        JsonNode? Kind(Guid? id) => id is { } v && connections?.TryGetValue(v, out var k) == true ? JsonValue.Create(k.ToString()) : null;
        JsonObject ScriptRef(Guid id)
        {
            var s = scripts.GetValueOrDefault(id);
            var o = new JsonObject { ["etl:script"] = Id(id), ["name"] = s?.Name, ["etl:kind"] = s?.Kind.ToString() };
            if (s?.Body is { Length: > 0 } body) o["etl:body"] = body;
            if (s?.FieldRule is { } r)
                o["etl:rule"] = new JsonObject { ["etl:fieldType"] = r.FieldType.ToString(), ["etl:type"] = r.Type.ToString(), ["etl:defaultValue"] = r.DefaultValue, ["etl:minValue"] = r.MinValue, ["etl:maxValue"] = r.MaxValue };
            if (s?.Anonymization is { } a)
                o["etl:method"] = new JsonObject { ["etl:type"] = a.Method.ToString(), ["etl:parameters"] = new JsonObject(a.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))) };
            if (s?.Transformation is { } t) o["etl:transformation"] = new JsonObject { ["etl:type"] = t.Type.ToString(), ["etl:targetTable"] = t.TargetTable };
            return o;
        }

        var recordSets = new JsonArray();
        foreach (var t in c.Tables)
        {
            var fields = new JsonArray();
            foreach (var col in t.Columns)
            {
                var f = new JsonObject
                {
                    ["@type"] = "cr:Field", ["@id"] = $"{t.Name}/{col.Name}", ["name"] = col.Name, ["dataType"] = DataType(col.Type),
                    ["etl:quasiIdentifier"] = col.QuasiIdentifier, ["etl:sensitive"] = col.Sensitive,
                };
                if (col.FieldRuleScriptIds.Count > 0) f["etl:fieldRules"] = new JsonArray(col.FieldRuleScriptIds.Select(id => (JsonNode)ScriptRef(id)).ToArray());
                if (col.AnonymizationScriptId is { } a) f["etl:anonymization"] = ScriptRef(a);
                fields.Add(f);
            }
            var rs = new JsonObject { ["@type"] = "cr:RecordSet", ["@id"] = t.Name, ["name"] = t.Name };
            if (t.PrimaryKey is { } pk) rs["key"] = new JsonObject { ["@id"] = $"{t.Name}/{pk}" };
            rs["field"] = fields;
            rs["etl:mergeStrategy"] = t.MergeStrategy.ToString();
            rs["etl:foreignKeys"] = new JsonArray(t.ForeignKeys.Select(fk => (JsonNode)new JsonObject
            {
                ["etl:column"] = fk.Column, ["etl:references"] = new JsonObject { ["@id"] = $"{fk.ReferencesTable}/{fk.ReferencesColumn}" },
            }).ToArray());
            rs["etl:collectionProtocol"] = new JsonArray(t.Extractions.OrderByDescending(e => e.Priority).Select(e =>
            {
                var o = ScriptRef(e.ScriptId);
                o["etl:source"] = Id(e.ConnectionId);
                o["etl:sourceKind"] = Kind(e.ConnectionId);
                o["etl:priority"] = e.Priority;
                return (JsonNode)o;
            }).ToArray());
            recordSets.Add(rs);
        }

        var document = new JsonObject
        {
            ["@context"] = new JsonObject
            {
                ["@language"] = "en",
                ["@vocab"] = "https://schema.org/",
                ["sc"] = "https://schema.org/",
                ["cr"] = "http://mlcommons.org/croissant/",
                ["etl"] = EtlNamespace,
                ["recordSet"] = "cr:recordSet",
                ["field"] = "cr:field",
                ["key"] = "cr:key",
                ["dataType"] = new JsonObject { ["@id"] = "cr:dataType", ["@type"] = "@vocab" },
                ["conformsTo"] = "dct:conformsTo",
                ["dct"] = "http://purl.org/dc/terms/",
            },
            ["@type"] = "sc:Dataset",
            ["conformsTo"] = "http://mlcommons.org/croissant/1.0",
            ["name"] = name,
            ["description"] = description,
            ["version"] = version?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["etl:status"] = status,
            ["recordSet"] = recordSets,
            ["etl:transformations"] = new JsonArray(c.TransformationScriptIds.Select(id => (JsonNode)ScriptRef(id)).ToArray()),
            ["etl:privacy"] = new JsonObject { ["etl:k"] = c.Privacy.K, ["etl:l"] = c.Privacy.L, ["etl:seedFixed"] = c.Privacy.Seed is not null },
            ["etl:upload"] = c.Upload is null ? null : new JsonObject
            {
                ["etl:script"] = c.Upload.ScriptId is { } u ? ScriptRef(u) : null, ["etl:destination"] = Id(c.Upload.DestinationConnectionId),
                ["etl:destinationKind"] = Kind(c.Upload.DestinationConnectionId), ["etl:version"] = version,
            },
        };
        // Timestamps differ between tasks configured alike, so they are opt-in and keep the rest comparable.
        if (modified is { } m) document.Insert(document.IndexOf("etl:status"), "dateModified", m.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        if (released is { } r) document.Insert(document.IndexOf("etl:status"), "datePublished", r.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string DataType(FieldType type) => type switch
    {
        FieldType.Integer => "sc:Integer",
        FieldType.Double => "sc:Float",
        FieldType.Boolean => "sc:Boolean",
        FieldType.Date => "sc:Date",
        FieldType.DateTime => "sc:DateTime",
        _ => "sc:Text",
    };
}
