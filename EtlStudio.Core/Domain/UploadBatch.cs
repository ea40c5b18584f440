namespace EtlStudio.Core.Domain;

/// <summary>
/// A part of an upload that has reached its destination. An interrupted upload resumes after the
/// batches recorded here, so nothing is sent twice.
/// </summary>
public sealed class UploadBatch
{
    public Guid RunId { get; set; }
    public required string TableName { get; set; }
    public int Batch { get; set; }
    public long Rows { get; set; }
    public DateTimeOffset DoneAt { get; set; }
}
