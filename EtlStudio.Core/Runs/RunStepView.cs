namespace EtlStudio.Core.Runs;

/// <summary>One step of a run: rows in, out and rejected, its time, and why it failed.</summary>
public sealed record RunStepView(string Step, int Ordinal, string Status, long RowsIn, long RowsOut, long RowsRejected,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error)
{
    public TimeSpan? Duration => StartedAt is { } s && FinishedAt is { } f ? f - s : null;
}
