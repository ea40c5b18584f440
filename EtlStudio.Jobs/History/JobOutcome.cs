namespace EtlStudio.Jobs.History;

/// <summary>How one firing ended, as kept in <c>app.job_executions</c>.</summary>
public enum JobOutcome
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
