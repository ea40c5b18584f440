namespace EtlStudio.Core.Upload;

/// <summary>
/// What a destination holds after an upload: the version number (decided by the destination for PostgreSQL and S3), the
/// tables, and for S3 the metadata document stored beside the files (EtlStudio keeps the same one).
/// </summary>
public sealed record PublishedVersion(int? Version, IReadOnlyList<PublishedTable> Tables, string? MetadataJson = null);
