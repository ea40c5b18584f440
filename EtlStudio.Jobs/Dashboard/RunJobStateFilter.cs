using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Runs;
using Hangfire.States;

namespace EtlStudio.Jobs.Dashboard;

/// <summary>
/// Keeps a run's state in step with what a person does to its job in the dashboard. Deleting a job, or queueing a
/// finished one again, is only ever a person's doing here (our own enqueues create jobs, retries come from Scheduled),
/// so those two elections are handed to Core's <see cref="RunJobTransitions"/> before the new state is applied — and
/// so before any worker can fetch the job again.
/// </summary>
internal sealed class RunJobStateFilter(RunJobTransitions transitions, IJobActionActor actors) : IElectStateFilter
{
    private static readonly string[] Finished = [FailedState.StateName, DeletedState.StateName, SucceededState.StateName];

    public void OnStateElection(ElectStateContext context)
    {
        var job = context.BackgroundJob?.Job;
        if (job?.Type != typeof(RunJobs) || job.Args.Count == 0 || job.Args[0] is not Guid runId) return;
        var isRun = job.Method.Name == nameof(RunJobs.ExecuteRunAsync);
        var deleted = context.CandidateState is DeletedState && context.CurrentState != DeletedState.StateName;
        var requeued = context.CandidateState is EnqueuedState && Finished.Contains(context.CurrentState);
        if (!deleted && !requeued) return;

        // Hangfire's filters are synchronous; this is one short transaction on the application database.
        var actor = actors.Current();
        var change = (isRun, deleted) switch
        {
            (true, true) => transitions.RunJobDeletedAsync(actor, runId),
            (true, false) => transitions.RunJobRequeuedAsync(actor, runId),
            (false, true) => transitions.UploadJobDeletedAsync(actor, runId),
            (false, false) => transitions.UploadJobRequeuedAsync(actor, runId),
        };
        change.GetAwaiter().GetResult();
    }
}
