namespace EtlStudio.Core.Domain;

/// <summary>
/// A run's life in one table: every transition, the states it may leave from, and the state it reaches. The run changes
/// state only through <see cref="PipelineRun.Move"/>, which consults this table; services check first to give their own
/// reasons, and enqueue jobs or notify only after the change commits.
/// </summary>
public static class RunLifecycle
{
    private static readonly Dictionary<RunTransition, (RunState[] From, RunState To)> Table = new()
    {
        [RunTransition.Pause] = ([RunState.Queued], RunState.Paused),
        [RunTransition.Requeue] = ([RunState.Paused, RunState.Failed], RunState.Queued),
        [RunTransition.Begin] = ([RunState.Queued, RunState.Running], RunState.Running),
        [RunTransition.Complete] = ([RunState.Running], RunState.Prepared),
        [RunTransition.Suspend] = ([RunState.Running], RunState.Paused),
        [RunTransition.Fail] = ([RunState.Queued, RunState.Running], RunState.Failed),
        [RunTransition.Cancel] = ([RunState.Queued, RunState.Running, RunState.Paused, RunState.Failed, RunState.Prepared], RunState.Cancelled),
        [RunTransition.Discard] = ([RunState.Queued, RunState.Running, RunState.Paused, RunState.Failed, RunState.Prepared, RunState.Cancelled], RunState.Discarded),
        [RunTransition.RequestUpload] = ([RunState.Prepared, RunState.Uploading], RunState.Uploading),
        [RunTransition.WithdrawUpload] = ([RunState.Uploading], RunState.Prepared),
        [RunTransition.CompleteUpload] = ([RunState.Uploading], RunState.Uploaded),
    };

    /// <summary>The states <paramref name="transition"/> may leave from.</summary>
    public static IReadOnlyList<RunState> From(RunTransition transition) => Table[transition].From;

    /// <summary>The state <paramref name="transition"/> reaches.</summary>
    public static RunState To(RunTransition transition) => Table[transition].To;

    public static bool Allows(RunTransition transition, RunState from) => Array.IndexOf(Table[transition].From, from) >= 0;
}
