namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// One step of a run (docs/architecture.md). The engine walks the steps in the order of <see cref="PipelineStep"/>,
/// each in a transaction of its own that also records it finished; a step does its work and says what it did, and the
/// engine does the rest once for all of them: pauses and cancellation between steps, the session's tuning, the
/// checkpoint, the timing and the side connections.
/// </summary>
internal interface IPipelineStep
{
    PipelineStep Step { get; }

    /// <summary>Does the step's work in <paramref name="ctx"/>'s transaction, which the engine commits with the checkpoint.</summary>
    Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct);
}
