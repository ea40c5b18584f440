using EtlStudio.Jobs.History;

namespace EtlStudio.Jobs.Monitor;

/// <summary>One firing from <c>app.job_executions</c>.</summary>
public sealed record JobExecutionView(long Id, string Group, string Name, string Node, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    JobOutcome Outcome, string? Error);
