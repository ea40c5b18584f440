namespace EtlStudio.Core.Domain;

/// <summary>Metrics of one finished (or failed) step of a run, kept after the staging schema is gone.</summary>
public sealed class RunStep
{
    public Guid RunId { get; set; }
    public required string Step { get; set; }
    public int Ordinal { get; set; }
    public required string Status { get; set; }
    public long RowsIn { get; set; }
    public long RowsOut { get; set; }
    public long RowsRejected { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }
}
