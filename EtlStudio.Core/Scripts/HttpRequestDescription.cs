using System.Text.Json;

namespace EtlStudio.Core.Scripts;

/// <summary>
/// An HTTP extraction request, relative to the source connection's base URL (which holds host and credentials).
/// <see cref="Records"/> is a JSON Pointer to the array of records in the response (empty = the response itself).
/// </summary>
public sealed record HttpRequestDescription(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string>? Query = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    JsonElement? Body = null,
    string? Records = null);
