using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlStudio.Core.Tasks;

/// <summary>The stored form of <see cref="TaskConfiguration"/>: camelCase, enums by name, stable order.</summary>
internal static class TaskConfigurationJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static string Write(TaskConfiguration c) => JsonSerializer.Serialize(c, Options);

    public static TaskConfiguration Read(string json) =>
        string.IsNullOrWhiteSpace(json) || json == "{}" ? TaskConfiguration.Empty : JsonSerializer.Deserialize<TaskConfiguration>(json, Options) ?? TaskConfiguration.Empty;
}
