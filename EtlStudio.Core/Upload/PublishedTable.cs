namespace EtlStudio.Core.Upload;

/// <summary>
/// One table of a published version: where it lives (a versioned table or an HTTP endpoint), how many rows and batches
/// it has, and for PostgreSQL the view that serves the current version.
/// </summary>
public sealed record PublishedTable(string Name, string Target, long Rows, int Batches = 0, string? View = null);
