using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline;

/// <summary>What one step did: rows in, rows out, rows rejected, how long it took; the anonymize step adds its privacy report.</summary>
public sealed record StepResult(PipelineStep Step, long RowsIn, long RowsOut, long RowsRejected, TimeSpan Duration, PrivacyReport? Report = null);
