using EtlStudio.Core.Common;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// A task's effective metadata (tables, typed columns, keys, rules with their settings, anonymization, transformations
/// with SQL, upload destination, version) as one JSON-LD document compatible with schema.org Dataset and MLCommons Croissant.
/// </summary>
public sealed class TaskMetadataService(ChangeScope scope, TaskService tasks)
{
    /// <summary>
    /// Exports the document (readers of the task: EDIT_TASK, PROCESS_ETL_TASK or ADMIN). With <paramref name="includeIds"/>
    /// false and no timestamps (the default), compare two exports byte for byte to see whether two tasks are configured alike;
    /// <paramref name="includeTimestamps"/> adds <c>dateModified</c> and <c>datePublished</c> for a published document.
    /// </summary>
    public async Task<string> ExportAsync(Actor actor, Guid taskId, bool includeIds = true, bool includeTimestamps = false, CancellationToken ct = default) =>
        await TaskMetadata.ExportAsync(scope, await tasks.GetAsync(actor, taskId, ct), includeIds, includeTimestamps, ct);
}
