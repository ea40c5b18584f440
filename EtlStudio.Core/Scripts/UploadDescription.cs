using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlStudio.Core.Scripts;

/// <summary>
/// What an uploading script's body says, as a JSON object; an empty body means every default.
/// <c>tablePrefix</c>: versioned tables are named <c>{prefix}_{table}_v{n}</c> (default: the table name alone);
/// <c>batchSize</c>: records per HTTP batch (1–100000, default 1000); <c>path</c>: the HTTP endpoint, relative to the
/// destination's base URL (default <c>/{table}</c>).
/// </summary>
public sealed record UploadDescription(string? TablePrefix = null, int BatchSize = UploadDescription.DefaultBatchSize, string? Path = null)
{
    public const int DefaultBatchSize = 1000;
    public const int MaxBatchSize = 100_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>Reads an uploading script's body; <paramref name="error"/> says what is wrong when it cannot.</summary>
    public static bool TryParse(string body, out UploadDescription? description, out string? error)
    {
        description = null;
        error = null;
        if (string.IsNullOrWhiteSpace(body)) { description = new UploadDescription(); return true; }
        try { description = JsonSerializer.Deserialize<UploadDescription>(body, Json); }
        catch (JsonException e) { error = $"The upload description is a JSON object with tablePrefix, batchSize and path ({e.Message.Split('.')[0]})."; return false; }
        if (description is null) error = "The upload description is a JSON object.";
        else if (description.TablePrefix is { } p && (!ScriptValidator.IsIdentifier(p) || p.Length > 40)) error = "tablePrefix uses letters, digits and _ (at most 40), so versioned names stay under 63.";
        else if (description.BatchSize is < 1 or > MaxBatchSize) error = $"batchSize is between 1 and {MaxBatchSize}.";
        else if (description.Path is { } path && !ExtractorBody.IsRelativePath(path)) error = "path is relative to the destination's base URL (starting with /).";
        if (error is not null) description = null;
        return error is null;
    }
}
