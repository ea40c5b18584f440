using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Steps;
using EtlStudio.Core.Tasks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Runs;

/// <summary>
/// A dry run for the task page: the whole pipeline on the first rows of each source, in a throw-away schema, returning
/// the rows after each step. Nothing is kept: the schema and its sandbox role are dropped however it ends.
/// </summary>
public sealed class PipelinePreviewService(AccessPolicy policy, TaskService tasks, PipelineEngine engine, NpgsqlDataSource dataSource,
    IOptions<PipelineOptions> options)
{
    private const int RowsPerTable = 10;

    public async Task<PipelinePreview> PreviewAsync(Actor actor, Guid taskId, int? sampleRows = null, CancellationToken ct = default)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        if (!p.HasRole(UserRole.EditTask, policy.Now) && !p.HasRole(UserRole.ProcessEtlTask, policy.Now))
            await policy.DenyAsync(actor, "task.preview", "EtlTask", taskId, "A preview needs the EDIT_TASK or PROCESS_ETL_TASK role.", ct);
        var task = await tasks.ResolveForPreviewAsync(taskId, ct);
        foreach (var source in task.Tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId).Distinct())
            await policy.DemandAccessAsync(actor, source, AccessType.Read, "task.preview", "EtlTask", taskId, ct);
        var sample = Math.Clamp(sampleRows ?? options.Value.PreviewSampleRows, 1, 10_000);
        var id = Guid.NewGuid();
        var schema = "preview_" + id.ToString("N");
        var checkpoint = new PreviewCheckpoint(schema, task.Tables.Select(t => t.Name).ToList(), RowsPerTable);
        try
        {
            await engine.RunAsync(new PipelineJob(id, schema, task, task.Privacy.Seed ?? 1, sample), checkpoint, ct);
            return new PipelinePreview(sample, checkpoint.Steps, null);
        }
        catch (PipelineFailure f)
        {
            return new PipelinePreview(sample, checkpoint.Steps, f.Message);
        }
        catch (PostgresException pg)
        {
            return new PipelinePreview(sample, checkpoint.Steps, $"A step failed in the database: {pg.MessageText}");
        }
        finally
        {
            await using var cmd = dataSource.CreateCommand(StagingLayout.DropSql(schema));
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            await Sandbox.DropAsync(dataSource, Sandbox.RoleFor(id), CancellationToken.None);
        }
    }
}
