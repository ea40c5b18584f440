using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Jobs.Maintenance;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Jobs;

public sealed class AccessExpiryJobTests
{
    [Fact]
    public async Task The_recurring_expiry_job_removes_expired_roles_on_its_interval_and_keeps_current_ones()
    {
        await using var db = await JobsDatabase.CreateAsync();
        // The job fires every second: the expired role below is removed by a firing after it was written.
        await using var node = await JobsNode.StartAsync(db, settings: new Dictionary<string, string?> { ["Maintenance:ExpiryInterval"] = "00:00:01" });
        var user = await node.CreateUserAsync("user");
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using (var ctx = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
        {
            ctx.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.UserId, Role = UserRole.ManageData, AssignedAt = past.AddDays(-1), ExpiresAt = past });
            ctx.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.UserId, Role = UserRole.EditTask, AssignedAt = past, ExpiresAt = DateTimeOffset.UtcNow.AddDays(1) });
            await ctx.SaveChangesAsync();
        }
        var written = DateTimeOffset.UtcNow;

        // A firing that started before the roles were written may not have seen them: wait for one that started after.
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
            "SELECT count(*) FROM app.job_executions WHERE job_name = 'access-expiry' AND started_at > @t AND finished_at IS NOT NULL",
            ("t", written)) > 0, "an expiry firing that started after the roles were written");

        await using var check = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal([UserRole.EditTask], await check.RoleAssignments.Where(r => r.UserId == user.UserId).Select(r => r.Role).ToListAsync());
        Assert.Equal(1, await check.AuditEntries.CountAsync(a => a.Action == "role.expire" && a.Source == "job"));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM app.job_executions WHERE job_name = 'access-expiry' AND outcome = 'Failed'"));
    }
}
