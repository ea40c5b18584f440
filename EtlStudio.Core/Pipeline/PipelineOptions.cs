namespace EtlStudio.Core.Pipeline;

/// <summary>Limits of the engine (section <c>Pipeline</c>).</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>How long one transformation script may run before it is cancelled.</summary>
    public TimeSpan TransformTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most disk a run's transformation scripts may take for their tables and temporary files, as a size with kB, MB,
    /// GB or TB; past it the script is stopped and the run fails.
    /// </summary>
    public string TransformDiskSpace { get; set; } = "20GB";

    /// <summary>A disk size as <see cref="TransformDiskSpace"/> takes it: a whole number with kB, MB, GB or TB, from 1MB to 1024TB.</summary>
    public static bool IsDiskSize(string? value) => Parse(value, "kB|MB|GB|TB") is >= 1024L * 1024 and <= 1024L << 40;

    /// <summary>The bytes of a size <see cref="IsDiskSize"/> accepts.</summary>
    public static long Bytes(string value) => Parse(value, "kB|MB|GB|TB") ?? throw new ArgumentException($"'{value}' is not a size.", nameof(value));

    private static long? Parse(string? value, string units)
    {
        var m = System.Text.RegularExpressions.Regex.Match(value ?? "", $"^([0-9]{{1,8}})({units})$");
        if (!m.Success) return null;
        var unit = m.Groups[2].Value switch { "kB" => 1L << 10, "MB" => 1L << 20, "GB" => 1L << 30, _ => 1L << 40 };
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * unit;
    }

    /// <summary>How long a source query or request may take.</summary>
    public TimeSpan SourceTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The largest HTTP response read when records sit inside a document (a top-level array streams without limit).</summary>
    public long MaxDocumentBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Memory PostgreSQL may use per sort or hash in a step (<c>work_mem</c>); the steps sort and group whole tables,
    /// which spill to disk many times over at the server's default of 4 MB. A few such operations run at once per run.
    /// </summary>
    public string WorkMemory { get; set; } = "256MB";

    /// <summary>
    /// Memory per sort or hash for the transformation scripts (<c>work_mem</c>). They run beside the step's other work
    /// (keys, the rejects' index), and with less memory the planner sorts millions of groups in parallel rather than
    /// hash them in one process (docs/benchmarks.md).
    /// </summary>
    public string TransformWorkMemory { get; set; } = "64MB";

    /// <summary>Memory for building an outbox table's index (<c>maintenance_work_mem</c>).</summary>
    public string MaintenanceMemory { get; set; } = "512MB";

    /// <summary>A size PostgreSQL's memory settings take: a whole number with kB, MB or GB (64kB to 64GB).</summary>
    public static bool IsMemorySize(string? value)
    {
        var m = System.Text.RegularExpressions.Regex.Match(value ?? "", "^([0-9]{1,8})(kB|MB|GB)$");
        if (!m.Success) return false;
        var kb = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * (m.Groups[2].Value switch { "kB" => 1L, "MB" => 1024L, _ => 1024L * 1024 });
        return kb is >= 64 and <= 64L * 1024 * 1024;
    }

    /// <summary>Records of the preview (dry run) taken from each source.</summary>
    public int PreviewSampleRows { get; set; } = 200;
}
