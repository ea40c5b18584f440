namespace EtlStudio.Core.Pipeline;

/// <summary>One step of a preview: its counts, the first rows of each table after it, and the first records it dropped.</summary>
public sealed record PreviewStep(PipelineStep Step, long RowsIn, long RowsOut, long RowsRejected,
    IReadOnlyList<PreviewTable> Tables, IReadOnlyList<IReadOnlyDictionary<string, string?>> Rejects);
