using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Runs;

/// <summary>
/// Run state changes other Core services make inside their own audited transaction (the job monitor's Retry and
/// Cancel); the run lifecycle's own use cases are <see cref="PipelineRunService"/>.
/// </summary>
public static class RunTransitions
{
    /// <summary>A failed run queued again, to be resumed after its last finished step; 0 when it was not failed.</summary>
    public static Task<int> RequeueFailedAsync(EtlStudioDbContext db, Guid runId, CancellationToken ct) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE app.pipeline_runs SET state = 'Queued', error = NULL, finished_at = NULL, pause_requested = false WHERE id = {runId} AND state = 'Failed'", ct);

    /// <summary>Stop asked for: a waiting run is cancelled at once, a running one at its worker's next check.</summary>
    public static Task<int> RequestStopAsync(EtlStudioDbContext db, Guid runId, CancellationToken ct) =>
        db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE app.pipeline_runs SET stop_requested = true,
                state = CASE WHEN state IN ('Queued', 'Paused') THEN 'Cancelled' ELSE state END,
                finished_at = CASE WHEN state IN ('Queued', 'Paused') THEN now() ELSE finished_at END
            WHERE id = {runId} AND state IN ('Queued', 'Running', 'Paused')
            """, ct);
}
