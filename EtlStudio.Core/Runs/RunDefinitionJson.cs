using System.Text.Json;
using System.Text.Json.Serialization;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Runs;

/// <summary>A run's snapshot of its resolved task, kept on the run so edits to the task never change a run under way.</summary>
internal static class RunDefinitionJson
{
    // jsonb reorders keys, so the type discriminator of anonymization parameters may come back anywhere in its object.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        AllowOutOfOrderMetadataProperties = true,
    };

    public static string Write(ResolvedTask task) => JsonSerializer.Serialize(task, Json);

    public static ResolvedTask Read(string json) => JsonSerializer.Deserialize<ResolvedTask>(json, Json)
        ?? throw new InvalidOperationException("The run's task snapshot is empty.");
}
