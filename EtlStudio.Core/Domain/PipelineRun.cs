namespace EtlStudio.Core.Domain;

/// <summary>One execution of a released task, from extraction to upload.</summary>
public sealed class PipelineRun
{
    public Guid Id { get; set; }
    public Guid TaskId { get; set; }
    public int Number { get; set; }
    /// <summary>Changed only by <see cref="Move"/> (the lifecycle's table); a new run is Queued.</summary>
    public RunState State { get; private set; } = RunState.Queued;
    public string? CurrentStep { get; set; }
    public bool PauseRequested { get; set; }
    public bool StopRequested { get; set; }
    /// <summary>Stop was asked to drop the outbox as well.</summary>
    public bool DeleteOutboxOnStop { get; set; }
    /// <summary>Rows handled so far by the step under way.</summary>
    public long? ProgressRows { get; set; }
    /// <summary>The staging schema holding this run's working tables and its outbox.</summary>
    public required string SchemaName { get; set; }
    /// <summary>The task configuration as it was when the run started.</summary>
    public string DefinitionJson { get; set; } = "{}";
    /// <summary>The task's metadata document (JSON-LD) when the run started; the uploaded version's metadata builds on it.</summary>
    public string? TaskDocumentJson { get; set; }
    public long? Seed { get; set; }
    public Guid RequestedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? UploadedAt { get; set; }
    public string? Error { get; set; }
    public string? PrivacyReportJson { get; set; }
    /// <summary>What the privacy gate decided when the upload was asked for (<see cref="Privacy.PrivacyGateRecord"/>), exception included.</summary>
    public string? PrivacyGateJson { get; set; }
    public uint RowVersion { get; set; }
    public List<RunStep> Steps { get; set; } = [];

    /// <summary>
    /// Takes the run through <paramref name="transition"/>, stamping when it started, finished or was uploaded; refuses a
    /// transition the lifecycle does not allow from the run's state. Returns the state it left.
    /// </summary>
    public RunState Move(RunTransition transition, DateTimeOffset now)
    {
        if (!RunLifecycle.Allows(transition, State))
            throw Common.DomainException.Precondition($"A run that is {State} cannot {Describe(transition)}.");
        var before = State;
        State = RunLifecycle.To(transition);
        switch (transition)
        {
            case RunTransition.Begin:
                StartedAt ??= now;
                Error = null;
                break;
            case RunTransition.Requeue:
                PauseRequested = false;
                Error = null;
                FinishedAt = null;
                break;
            case RunTransition.Complete or RunTransition.Fail or RunTransition.Suspend:
                PauseRequested = false;
                ProgressRows = null;
                if (transition != RunTransition.Suspend) FinishedAt = now;
                break;
            case RunTransition.Cancel or RunTransition.Discard:
                StopRequested = true;
                PauseRequested = false;
                ProgressRows = null;
                FinishedAt ??= now;
                break;
            case RunTransition.RequestUpload or RunTransition.WithdrawUpload:
                Error = null;
                break;
            case RunTransition.CompleteUpload:
                UploadedAt = now;
                Error = null;
                break;
        }
        return before;
    }

    private static string Describe(RunTransition t) => t switch
    {
        RunTransition.Pause => "be paused",
        RunTransition.Requeue => "be queued again",
        RunTransition.Begin => "be started by a worker",
        RunTransition.Complete => "complete",
        RunTransition.Suspend => "be paused after its step",
        RunTransition.Fail => "fail",
        RunTransition.Cancel => "be stopped",
        RunTransition.Discard => "have its outbox discarded",
        RunTransition.RequestUpload => "be uploaded",
        RunTransition.WithdrawUpload => "have its upload withdrawn",
        RunTransition.CompleteUpload => "complete an upload",
        _ => $"go through {t}",
    };
}
