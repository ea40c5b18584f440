using EtlStudio.Tests.Infrastructure;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

/// <summary>Users, a task and runs written straight to the database, with a staging schema holding one outbox table.</summary>
public static class TestRuns
{
    public static async Task<Actor> CreateUserAsync(this JobsNode node, string loginPrefix, params UserRole[] roles)
    {
        var id = Guid.NewGuid();
        var login = $"{loginPrefix}-{id.ToString("N")[..6]}";
        await using var db = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        db.Users.Add(new User { Id = id, Login = login, DisplayName = loginPrefix, CreatedAt = DateTimeOffset.UtcNow });
        foreach (var role in roles)
            db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = id, Role = role, AssignedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        return new Actor(id, login, ActorSource.Ui, "127.0.0.1", "test");
    }

    public static async Task<Guid> CreateRunAsync(this JobsNode node, Actor owner, RunState state, DateTimeOffset finishedAt, bool withOutbox = true)
    {
        await using var db = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var task = new EtlTask
        {
            Id = Guid.NewGuid(), Name = $"task-{Guid.NewGuid():N}", Status = EtlTaskStatus.Released, CreatedBy = owner.UserId,
            CreatedAt = finishedAt.AddHours(-1), UpdatedAt = finishedAt.AddHours(-1), ReleasedAt = finishedAt.AddHours(-1),
        };
        db.Tasks.Add(task);
        var runId = Guid.NewGuid();
        var run = new PipelineRun
        {
            Id = runId, TaskId = task.Id, Number = 1, SchemaName = StagingLayout.SchemaFor(runId), RequestedBy = owner.UserId,
            CreatedAt = finishedAt.AddMinutes(-10),
        }.In(state, finishedAt);
        run.StartedAt = finishedAt.AddMinutes(-9);
        run.FinishedAt = finishedAt;
        run.UploadedAt = state == RunState.Uploaded ? finishedAt.AddMinutes(5) : null;
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        if (withOutbox)
        {
            var schema = StagingLayout.SchemaFor(runId);
            var sql = StagingLayout.CreateSql(schema) + $"CREATE TABLE {Sql.Table(schema, "people")} (\"_row\" bigint PRIMARY KEY, name text);";
            // Through Npgsql, not EF: the layout's SQL has braces that EF would read as format placeholders.
            await using var cmd = node.Get<NpgsqlDataSource>().CreateCommand(sql);
            await cmd.ExecuteNonQueryAsync();
        }
        return runId;
    }

    public static async Task<RunState> StateOfAsync(this JobsNode node, Guid runId)
    {
        await using var db = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.State).SingleAsync();
    }

    public static Task<bool> SchemaExistsAsync(this JobsDatabase db, Guid runId) =>
        db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @n)", ("n", StagingLayout.SchemaFor(runId)));
}
