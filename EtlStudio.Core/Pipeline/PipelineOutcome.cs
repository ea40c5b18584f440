using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline;

/// <summary>How a call to the engine ended: every step done, or paused between steps (resumable).</summary>
public sealed record PipelineOutcome(bool Completed, PipelineStep? PausedBefore);
