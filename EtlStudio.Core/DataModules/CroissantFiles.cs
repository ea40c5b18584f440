using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtlStudio.Core.DataModules;

/// <summary>
/// The files of a version stored as objects (S3): one Croissant <c>FileObject</c> per Parquet part with its
/// <c>contentUrl</c>, <c>encodingFormat</c>, size and <c>sha256</c>, one <c>FileSet</c> per table gathering its parts, and
/// every field of the table's <c>RecordSet</c> bound to its column in that file set (<c>source.fileSet</c> + <c>extract.column</c>).
/// Kept apart from <see cref="DataModuleMetadata"/>, which describes the tables whatever the storage.
/// </summary>
public static class CroissantFiles
{
    public const string ParquetFormat = "application/x-parquet";

    /// <summary>One stored part: <paramref name="Name"/> is its key relative to the version (<c>people/part-00000.parquet</c>).</summary>
    public sealed record File(string Table, string Name, string ContentUrl, long Bytes, string Sha256);

    public static string FileSetId(string table) => table + "/files";

    /// <summary>The metadata document with the files added (its record sets bound to them).</summary>
    public static string Attach(string metadataJson, IReadOnlyList<File> files)
    {
        var doc = JsonNode.Parse(metadataJson)!.AsObject();
        var context = doc["@context"]!.AsObject();
        foreach (var (term, id) in new[]
                 {
                     ("containedIn", "cr:containedIn"), ("includes", "cr:includes"), ("source", "cr:source"), ("fileSet", "cr:fileSet"),
                     ("fileObject", "cr:fileObject"), ("extract", "cr:extract"), ("column", "cr:column"),
                 })
            context[term] = id;
        var distribution = new JsonArray();
        foreach (var f in files)
            distribution.Add(new JsonObject
            {
                ["@type"] = "cr:FileObject", ["@id"] = f.Name, ["name"] = f.Name, ["contentUrl"] = f.ContentUrl, ["encodingFormat"] = ParquetFormat,
                ["contentSize"] = f.Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " B", ["sha256"] = f.Sha256,
            });
        foreach (var table in files.GroupBy(f => f.Table))
            distribution.Add(new JsonObject
            {
                ["@type"] = "cr:FileSet", ["@id"] = FileSetId(table.Key), ["name"] = FileSetId(table.Key), ["encodingFormat"] = ParquetFormat,
                ["includes"] = table.Key + "/part-*.parquet",
                ["containedIn"] = new JsonArray(table.Select(f => (JsonNode)new JsonObject { ["@id"] = f.Name }).ToArray()),
            });
        doc["distribution"] = distribution;
        var tables = files.Select(f => f.Table).ToHashSet(StringComparer.Ordinal);
        foreach (var rs in (doc["recordSet"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (rs["name"]?.GetValue<string>() is not { } name || !tables.Contains(name)) continue;
            foreach (var field in (rs["field"] as JsonArray ?? []).OfType<JsonObject>())
                field["source"] = new JsonObject
                {
                    ["fileSet"] = new JsonObject { ["@id"] = FileSetId(name) },
                    ["extract"] = new JsonObject { ["column"] = field["name"]?.GetValue<string>() },
                };
        }
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
