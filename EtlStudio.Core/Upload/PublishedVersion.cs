namespace EtlStudio.Core.Upload;

/// <summary>What a destination holds after an upload: the version number (decided by the destination for PostgreSQL) and the tables.</summary>
public sealed record PublishedVersion(int? Version, IReadOnlyList<PublishedTable> Tables);
