namespace EtlStudio.Core.Upload;

/// <summary>
/// Points in an upload where tests inject a crash, to prove a resumed upload still publishes exactly once.
/// Production registers none; the executor calls every registered implementation at each point.
/// </summary>
public interface IUploadFaults
{
    /// <summary>After one table (PostgreSQL), one batch (HTTP) or one Parquet part (S3) reached the destination and was recorded.</summary>
    Task AfterPartAsync(Guid runId, string table, int part, CancellationToken ct);

    /// <summary>Inside the destination's publishing transaction, just before it commits (S3: after the parts, before the metadata).</summary>
    Task BeforeCommitAsync(Guid runId, CancellationToken ct);

    /// <summary>S3: after the version's metadata is stored, before the pointer moves to it.</summary>
    Task AfterMetadataAsync(Guid runId, CancellationToken ct) => Task.CompletedTask;

    /// <summary>After the destination committed the new version, before EtlStudio recorded it.</summary>
    Task AfterCommitAsync(Guid runId, CancellationToken ct);
}
