namespace EtlStudio.Core.Pipeline;

/// <summary>Limits of the engine (section <c>Pipeline</c>).</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>How long one transformation script may run before it is cancelled.</summary>
    public TimeSpan TransformTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a source query or request may take.</summary>
    public TimeSpan SourceTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The largest HTTP response read when records sit inside a document (a top-level array streams without limit).</summary>
    public long MaxDocumentBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Records of the preview (dry run) taken from each source.</summary>
    public int PreviewSampleRows { get; set; } = 200;
}
