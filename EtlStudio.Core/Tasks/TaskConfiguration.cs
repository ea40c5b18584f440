namespace EtlStudio.Core.Tasks;

/// <summary>
/// A task's whole configuration, stored as one jsonb document on the task. Each seed update method
/// replaces its own part: tables (UpdateExtractionScript), column rules, anonymization and privacy,
/// transformations in order, upload, and the privacy policy an upload must meet.
/// </summary>
public sealed record TaskConfiguration(
    IReadOnlyList<TableConfig> Tables,
    IReadOnlyList<Guid> TransformationScriptIds,
    PrivacySettings Privacy,
    UploadConfig? Upload,
    PrivacyPolicy? Policy = null)
{
    /// <summary>The configuration of a new task: nothing chosen yet.</summary>
    public static TaskConfiguration Empty { get; } = new([], [], new PrivacySettings(null, null, null), null);
}
