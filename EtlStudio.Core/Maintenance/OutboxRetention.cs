using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Notifications;
using EtlStudio.Core.Pipeline;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Maintenance;

/// <summary>
/// Recurring job: outboxes not uploaded within <c>Outbox:RetentionDays</c> of their run's end (runs Prepared, Failed
/// or Cancelled) are deleted — the staging schema is dropped and the run becomes Discarded, audited as the system.
/// Each run is claimed by a conditional update in its own transaction, so passes on several nodes, or a person
/// starting the upload meanwhile, never both act on one run; a second pass finds nothing.
/// </summary>
public sealed partial class OutboxRetention(ChangeScope scope, AuditTrail audit, NotificationService notifications, TimeProvider time,
    IOptions<OutboxRetentionOptions> options, ILogger<OutboxRetention> logger)
{
    private static readonly RunState[] Expirable = [RunState.Prepared, RunState.Failed, RunState.Cancelled];

    /// <summary>One pass; returns how many outboxes were discarded.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.RetentionDays);
        var candidates = await scope.ReadAsync(db => db.Runs
            .Where(r => Expirable.Contains(r.State) && (r.FinishedAt ?? r.CreatedAt) < cutoff)
            .Select(r => new { r.Id, r.State, r.SchemaName, r.RequestedBy })
            .ToListAsync(ct), ct);
        var discarded = 0;
        foreach (var run in candidates)
        {
            // The schema name comes from the database; refuse anything but the staging layout's own name, so a bad row
            // can never make this drop another schema.
            if (run.SchemaName != StagingLayout.SchemaFor(run.Id))
            {
                LogUnexpectedSchema(run.Id, run.SchemaName);
                continue;
            }
            var done = await scope.RunAsync(async db =>
            {
                // Locked and checked again: a person may have uploaded or discarded it since the list was read.
                var claimed = await db.Runs.FromSqlInterpolated($"SELECT *, xmin FROM app.pipeline_runs WHERE id = {run.Id} FOR UPDATE").FirstOrDefaultAsync(ct);
                if (claimed is null || !Expirable.Contains(claimed.State) || (claimed.FinishedAt ?? claimed.CreatedAt) >= cutoff) return false;
                claimed.Move(RunTransition.Discard, time.GetUtcNow());
                await db.SaveChangesAsync(ct);
                // DDL takes no parameters; the name is quoted and was checked against the layout above.
                var drop = StagingLayout.DropSql(run.SchemaName);
                await db.Database.ExecuteSqlRawAsync(drop, ct);
                notifications.Add(db, run.RequestedBy, "Outbox deleted",
                    $"The outbox of a run was not uploaded within {options.Value.RetentionDays} days and has been deleted.", $"/runs/{run.Id}");
                await audit.RecordAsync(db, Actor.System(), "run.discard", "PipelineRun", run.Id, new AuditChanges()
                    .Field("state", run.State.ToString(), nameof(RunState.Discarded))
                    .Note("reason", $"outbox retention ({options.Value.RetentionDays} days)")
                    .Note("schema", run.SchemaName), ct);
                return true;
            }, ct);
            if (done) discarded++;
        }
        if (discarded > 0) LogDiscarded(discarded);
        return discarded;
    }

    [LoggerMessage(EventId = 1211, Level = LogLevel.Information, Message = "Outbox retention discarded {Count} outboxes")]
    private partial void LogDiscarded(int count);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Warning, Message = "Run {RunId} names staging schema {Schema}, not its own; its outbox is left alone")]
    private partial void LogUnexpectedSchema(Guid runId, string schema);
}
