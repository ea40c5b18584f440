namespace EtlStudio.Jobs.Monitor;

/// <summary>Where a run or upload job stands, from the Quartz store, our execution history and the run's own state.</summary>
public enum JobState
{
    Queued,
    Running,
    Paused,
    Succeeded,
    Failed,
    Cancelled,
}
