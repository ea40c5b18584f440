namespace EtlStudio.Core.Upload;

/// <summary>How hard an HTTP upload tries before giving up, and how S3 uploads cut tables into files (section <c>Upload</c>).</summary>
public sealed class UploadOptions
{
    public const string Section = "Upload";

    /// <summary>Attempts per batch, the first included.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the second attempt; doubled for each further one, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one HTTP attempt may take before it counts as a timeout and is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// S3: rows per Parquet part file (the unit an interrupted upload resumes at): four row groups, so a large table has
    /// several parts and the store of one overlaps the encoding of the next.
    /// </summary>
    public int S3RowsPerPart { get; set; } = 4 * 64 * 1024;

    /// <summary>S3: rows per Parquet row group, the most an upload holds in memory at once.</summary>
    public int S3RowsPerRowGroup { get; set; } = 64 * 1024;

    /// <summary>
    /// S3: read the next row group while one is encoded, and store part n while part n+1 is written (at most one part in
    /// flight beside the one being written, two row groups in memory); false does each after the other, the plain order
    /// the overlapped one is tested against.
    /// </summary>
    public bool S3Overlap { get; set; } = true;
}
