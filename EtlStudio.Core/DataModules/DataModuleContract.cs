using System.Text.Json;
using System.Text.Json.Nodes;
using EtlStudio.Core.Common;

namespace EtlStudio.Core.DataModules;

/// <summary>
/// Checks an imported metadata document: a JSON-LD schema.org Dataset whose record sets are Croissant RecordSets of
/// named Fields with a known dataType. Every problem is reported with where it is.
/// </summary>
internal static class DataModuleContract
{
    private static readonly HashSet<string> DataTypes = new(StringComparer.Ordinal)
    {
        "sc:Integer", "sc:Float", "sc:Text", "sc:Boolean", "sc:Date", "sc:DateTime",
        "https://schema.org/Integer", "https://schema.org/Float", "https://schema.org/Text", "https://schema.org/Boolean",
        "https://schema.org/Date", "https://schema.org/DateTime",
    };

    public static string Validate(string json)
    {
        JsonObject doc;
        try { doc = JsonNode.Parse(json) as JsonObject ?? throw new ValidationException("document", "The metadata must be a JSON object."); }
        catch (JsonException e) { throw new ValidationException("document", $"The metadata is not valid JSON ({e.Message.Split('.')[0]})."); }
        var problems = new List<ValidationProblem>();
        if (doc["@context"] is null) problems.Add(new("@context", "A JSON-LD @context is required."));
        if (Text(doc["@type"]) is not ("sc:Dataset" or "Dataset" or "https://schema.org/Dataset"))
            problems.Add(new("@type", "The document must be a schema.org Dataset (\"@type\": \"sc:Dataset\")."));
        if (string.IsNullOrWhiteSpace(Text(doc["name"]))) problems.Add(new("name", "The dataset needs a name."));
        if (doc["recordSet"] is not JsonArray sets) problems.Add(new("recordSet", "The dataset needs a recordSet array (Croissant RecordSets)."));
        else
            for (var i = 0; i < sets.Count; i++)
            {
                var path = $"recordSet[{i}]";
                if (sets[i] is not JsonObject rs) { problems.Add(new(path, "A record set is an object.")); continue; }
                if (Text(rs["@type"]) is not ("cr:RecordSet" or "http://mlcommons.org/croissant/RecordSet")) problems.Add(new(path + ".@type", "A record set has \"@type\": \"cr:RecordSet\"."));
                if (string.IsNullOrWhiteSpace(Text(rs["name"]))) problems.Add(new(path + ".name", "A record set needs a name."));
                if (rs["field"] is not JsonArray fields) { problems.Add(new(path + ".field", "A record set needs a field array.")); continue; }
                for (var j = 0; j < fields.Count; j++)
                {
                    var fp = $"{path}.field[{j}]";
                    if (fields[j] is not JsonObject f) { problems.Add(new(fp, "A field is an object.")); continue; }
                    if (string.IsNullOrWhiteSpace(Text(f["name"]))) problems.Add(new(fp + ".name", "A field needs a name."));
                    if (Text(f["dataType"]) is not { } dt || !DataTypes.Contains(dt))
                        problems.Add(new(fp + ".dataType", $"dataType must be one of {string.Join(", ", DataTypes.Where(d => d.StartsWith("sc:", StringComparison.Ordinal)))}."));
                }
            }
        ValidationException.ThrowIfAny(problems);
        return doc.ToJsonString();
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
