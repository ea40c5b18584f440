namespace EtlStudio.Jobs.Metrics;

/// <summary>What <c>/metrics</c> reports from the database, read in one go.</summary>
public sealed record JobMetricsSnapshot(
    IReadOnlyDictionary<string, long> RunsByState,
    IReadOnlyList<StepMetrics> Steps,
    IReadOnlyDictionary<string, long> QueuedByGroup,
    IReadOnlyDictionary<string, long> RunningByGroup,
    IReadOnlyList<(string Group, string Outcome, long Count)> ExecutionsByOutcome,
    long ClusterNodes);
