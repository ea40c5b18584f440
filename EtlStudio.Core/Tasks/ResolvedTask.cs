namespace EtlStudio.Core.Tasks;

/// <summary>
/// A released task with every reference resolved, ready to hand to the pipeline engine: tables parents first,
/// scripts replaced by their frozen bodies and typed settings, connections by id and kind. Nothing in it
/// needs another lookup, so a run works from a snapshot even if the task is edited meanwhile.
/// </summary>
public sealed record ResolvedTask(
    Guid TaskId,
    string Name,
    DateTimeOffset ReleasedAt,
    IReadOnlyList<ResolvedTable> Tables,
    IReadOnlyList<ResolvedTransformation> Transformations,
    PrivacySettings Privacy,
    ResolvedUpload Upload,
    PrivacyPolicy? Policy = null);
