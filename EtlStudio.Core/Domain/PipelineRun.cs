namespace EtlStudio.Core.Domain;

/// <summary>One execution of a released task, from extraction to upload.</summary>
public sealed class PipelineRun
{
    public Guid Id { get; set; }
    public Guid TaskId { get; set; }
    public int Number { get; set; }
    public RunState State { get; set; }
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
}
