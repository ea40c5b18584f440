using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Upload;

/// <summary>Where an upload stands: state, HTTP batches delivered so far, the version once published, and the last error.</summary>
public sealed record UploadProgress(Guid RunId, RunState State, int BatchesDone, long RowsDone, int? Version, DateTimeOffset? UploadedAt, string? Error);
