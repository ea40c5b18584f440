using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>What a step did, as it tells the engine: rows in, out and rejected; the anonymize step adds its privacy report.</summary>
internal sealed record StepOutput(long RowsIn, long RowsOut, long RowsRejected, PrivacyReport? Report = null)
{
    public StepResult ToResult(PipelineStep step, TimeSpan duration) => new(step, RowsIn, RowsOut, RowsRejected, duration, Report);
}
