namespace EtlStudio.Core.Upload;

/// <summary>
/// Points in an upload where tests inject a crash, to prove a resumed upload still publishes exactly once.
/// Production registers none; the executor calls every registered implementation at each point.
/// </summary>
public interface IUploadFaults
{
    /// <summary>After one table (PostgreSQL) or one batch (HTTP) reached the destination and was recorded.</summary>
    Task AfterPartAsync(Guid runId, string table, int part, CancellationToken ct);

    /// <summary>Inside the destination's publishing transaction, just before it commits.</summary>
    Task BeforeCommitAsync(Guid runId, CancellationToken ct);

    /// <summary>After the destination committed the new version, before EtlStudio recorded it.</summary>
    Task AfterCommitAsync(Guid runId, CancellationToken ct);
}
