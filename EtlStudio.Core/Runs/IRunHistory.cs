using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Runs;

/// <summary>
/// What the runs list asks of <see cref="PipelineRunService"/>: a filtered page of runs and the tasks to filter by.
/// The boundary lets component tests check what the list's filters send without staging runs in a database.
/// </summary>
public interface IRunHistory
{
    Task<Paged<RunSummary>> ListAsync(Actor actor, RunFilter filter, PageRequest page, CancellationToken ct = default);

    /// <summary>The tasks that have runs, by name.</summary>
    Task<IReadOnlyList<(Guid Id, string Name)>> TasksWithRunsAsync(Actor actor, CancellationToken ct = default);
}
