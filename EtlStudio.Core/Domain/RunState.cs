namespace EtlStudio.Core.Domain;

/// <summary>Where a pipeline run is in its life (use cases Process, Stop and Upload).</summary>
public enum RunState
{
    Queued,
    Running,
    Paused,
    /// <summary>Processing finished; the outbox awaits review and upload.</summary>
    Prepared,
    Uploading,
    Uploaded,
    Failed,
    Cancelled,
    /// <summary>The outbox was deleted without upload (by a person or by retention).</summary>
    Discarded,
}
