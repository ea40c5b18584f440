using EtlStudio.Core.Domain;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>Brings a new run to any state the way the product does: through the lifecycle's transitions from Queued.</summary>
public static class RunStates
{
    public static IReadOnlyList<RunTransition> PathTo(RunState state) => state switch
    {
        RunState.Queued => [],
        RunState.Running => [RunTransition.Begin],
        RunState.Paused => [RunTransition.Pause],
        RunState.Prepared => [RunTransition.Begin, RunTransition.Complete],
        RunState.Uploading => [RunTransition.Begin, RunTransition.Complete, RunTransition.RequestUpload],
        RunState.Uploaded => [RunTransition.Begin, RunTransition.Complete, RunTransition.RequestUpload, RunTransition.CompleteUpload],
        RunState.Failed => [RunTransition.Begin, RunTransition.Fail],
        RunState.Cancelled => [RunTransition.Cancel],
        RunState.Discarded => [RunTransition.Discard],
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static PipelineRun In(this PipelineRun run, RunState state, DateTimeOffset now)
    {
        foreach (var transition in PathTo(state)) run.Move(transition, now);
        return run;
    }
}
