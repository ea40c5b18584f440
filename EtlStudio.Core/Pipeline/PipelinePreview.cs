namespace EtlStudio.Core.Pipeline;

/// <summary>A dry run on a sample: the rows after each step, or the reason it stopped.</summary>
public sealed record PipelinePreview(int SampleRows, IReadOnlyList<PreviewStep> Steps, string? Error);
