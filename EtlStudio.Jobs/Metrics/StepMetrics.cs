namespace EtlStudio.Jobs.Metrics;

/// <summary>Totals over the finished steps of all runs.</summary>
public sealed record StepMetrics(string Step, long Count, double DurationSeconds, long RowsIn, long RowsOut, long RowsRejected);
