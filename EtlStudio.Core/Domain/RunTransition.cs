namespace EtlStudio.Core.Domain;

/// <summary>The ways a run's state may change; <see cref="RunLifecycle"/> says from where each leaves and where it goes.</summary>
public enum RunTransition
{
    /// <summary>A waiting run is paused before any worker takes it.</summary>
    Pause,
    /// <summary>A paused or failed run waits again for a worker, to go on after its last finished step.</summary>
    Requeue,
    /// <summary>A worker takes the run (again, after a crash or a busy lock).</summary>
    Begin,
    /// <summary>Every step finished: the outbox awaits review and upload.</summary>
    Complete,
    /// <summary>A pause asked for while running is honoured after the step.</summary>
    Suspend,
    Fail,
    /// <summary>Stopped by a person (or by deleting its job); the staged data stays until retention.</summary>
    Cancel,
    /// <summary>The outbox is deleted without upload (by a person, a stop that asked for it, or retention).</summary>
    Discard,
    /// <summary>An upload is asked for, or asked again for one that stopped half-way.</summary>
    RequestUpload,
    /// <summary>The upload's job was deleted: the run is Prepared again.</summary>
    WithdrawUpload,
    CompleteUpload,
}
