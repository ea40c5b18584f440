using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// Where the engine records progress. A real run writes it to <c>app.run_steps</c>, each finished step in the same
/// transaction as the step's work, so a resumed run skips exactly the steps whose results exist; a preview keeps it
/// in memory.
/// </summary>
public interface IRunCheckpoint
{
    /// <summary>Steps already finished by an earlier attempt.</summary>
    Task<IReadOnlySet<PipelineStep>> FinishedStepsAsync(CancellationToken ct);

    Task StepStartedAsync(PipelineStep step, CancellationToken ct);

    /// <summary>Rows handled so far by the running step (for progress bars); called now and then, never per row.</summary>
    Task ProgressAsync(PipelineStep step, long rows, CancellationToken ct);

    /// <summary>Records the finished step inside the step's own transaction.</summary>
    Task StepFinishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, StepResult result, CancellationToken ct);

    /// <summary>Asked between steps: true stops the run here, resumable later from the next step.</summary>
    Task<bool> PauseRequestedAsync(CancellationToken ct);
}
