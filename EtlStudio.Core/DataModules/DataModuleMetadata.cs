using System.Text.Json;
using System.Text.Json.Nodes;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Tasks;
using EtlStudio.Core.Upload;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.DataModules;

/// <summary>
/// A data module version's metadata: the task's JSON-LD document (<see cref="TaskMetadata"/>: schema.org Dataset, Croissant
/// RecordSets and Fields, etl: rules, anonymization, collection protocol) with the record sets rebuilt from the outbox
/// catalog — the published tables with their published types — plus the version, where each table can be read and the
/// privacy report. Built once at upload and stored with the version, so it describes that version forever.
/// </summary>
public static class DataModuleMetadata
{
    /// <summary>The version's metadata, built on the task document the run started with (the task as it is now for runs from before that was kept).</summary>
    internal static async Task<string> BuildAsync(ChangeScope scope, PipelineRun run, string moduleName, ConnectionKind kind, int version,
        IReadOnlyList<OutboxTable> tables, PublishedVersion published, CancellationToken ct)
    {
        var taskDocument = run.TaskDocumentJson ?? await TaskDocumentAsync(scope, run.TaskId, ct);
        return Build(taskDocument, moduleName, kind, version, tables, published, run.PrivacyReportJson, run.PrivacyGateJson);
    }

    /// <summary>The task's metadata document as the task stands now; a run keeps the one it started with.</summary>
    internal static async Task<string> TaskDocumentAsync(ChangeScope scope, Guid taskId, CancellationToken ct)
    {
        var task = await scope.ReadAsync(db => db.Tasks.FirstOrDefaultAsync(t => t.Id == taskId, ct), ct) ?? throw DomainException.NotFound("Task", taskId);
        var view = new TaskView(task.Id, task.Name, task.Description, task.Status, TaskConfigurationJson.Read(task.ConfigurationJson), [], task.UpdatedAt, task.ReleasedAt);
        return await TaskMetadata.ExportAsync(scope, view, includeIds: true, includeTimestamps: true, ct);
    }

    public static string Build(string taskDocument, string moduleName, ConnectionKind kind, int version, IReadOnlyList<OutboxTable> tables,
        PublishedVersion published, string? privacyReportJson, string? privacyGateJson = null)
    {
        var doc = JsonNode.Parse(taskDocument)!.AsObject();
        var context = doc["@context"]!.AsObject();
        // Kept as JSON literals: their keys are EtlStudio's own structure, not vocabulary terms.
        context["protocol"] = new JsonObject { ["@id"] = "etl:protocol", ["@type"] = "@json" };
        context["privacyReport"] = new JsonObject { ["@id"] = "etl:privacyReport", ["@type"] = "@json" };

        var taskSets = (doc["recordSet"] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(r => r["name"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
        var recordSets = new JsonArray();
        foreach (var t in tables.OrderBy(t => t.Ordinal))
        {
            var source = taskSets.GetValueOrDefault(t.SourceTable ?? t.Name);
            var sourceFields = (source?["field"] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(f => f["name"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
            var fields = new JsonArray();
            foreach (var c in t.Columns)
            {
                var f = sourceFields.TryGetValue(c.Name, out var known) ? (JsonObject)known.DeepClone() : new JsonObject { ["@type"] = "cr:Field", ["name"] = c.Name };
                f["@id"] = $"{t.Name}/{c.Name}";
                f["dataType"] = DataType(c.Type);
                fields.Add(f);
            }
            var rs = new JsonObject { ["@type"] = "cr:RecordSet", ["@id"] = t.Name, ["name"] = t.Name };
            if (t.PrimaryKey is { } pk) rs["key"] = new JsonObject { ["@id"] = $"{t.Name}/{pk}" };
            rs["field"] = fields;
            if (t.SourceTable is { } st && st != t.Name) rs["etl:sourceTable"] = st;
            foreach (var key in new[] { "etl:mergeStrategy", "etl:foreignKeys", "etl:collectionProtocol" })
                if (source?[key] is { } value) rs[key] = value.DeepClone();
            if (published.Tables.FirstOrDefault(p => p.Name == t.Name) is { } p)
            {
                rs["etl:location"] = p.View ?? p.Target;
                rs["etl:versionedLocation"] = p.Target;
                rs["etl:rows"] = p.Rows;
            }
            recordSets.Add(rs);
        }
        doc["recordSet"] = recordSets;
        doc["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        doc["etl:dataModule"] = new JsonObject
        {
            ["name"] = moduleName,
            ["etl:kind"] = kind.ToString(),
            ["etl:version"] = version,
            ["protocol"] = Protocol(kind, version, published),
        };
        if (!string.IsNullOrWhiteSpace(privacyReportJson)) doc["privacyReport"] = JsonNode.Parse(privacyReportJson);
        Privacy.PrivacyTerms.Add(doc, privacyGateJson);
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>How to read a version: per logical table, the versioned table (and current view) or the endpoint.</summary>
    public static JsonObject Protocol(ConnectionKind kind, int version, PublishedVersion published) => new()
    {
        ["kind"] = kind.ToString(),
        ["version"] = version,
        ["tables"] = new JsonObject(published.Tables.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)new JsonObject
        {
            ["target"] = t.Target, ["view"] = t.View, ["rows"] = t.Rows, ["batches"] = kind == ConnectionKind.HttpJson ? t.Batches : null,
        }))),
    };

    internal static string DataType(Scripts.FieldType type) => type switch
    {
        Scripts.FieldType.Integer => "sc:Integer",
        Scripts.FieldType.Double => "sc:Float",
        Scripts.FieldType.Boolean => "sc:Boolean",
        Scripts.FieldType.Date => "sc:Date",
        Scripts.FieldType.DateTime => "sc:DateTime",
        _ => "sc:Text",
    };
}
