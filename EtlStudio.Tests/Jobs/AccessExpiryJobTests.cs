using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Jobs.Maintenance;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Jobs;

public sealed class AccessExpiryJobTests
{
    [Fact]
    public async Task The_recurring_expiry_job_removes_expired_roles_and_keeps_current_ones()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db);
        var user = await node.CreateUserAsync("user");
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using (var ctx = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
        {
            ctx.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.UserId, Role = UserRole.ManageData, AssignedAt = past.AddDays(-1), ExpiresAt = past });
            ctx.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.UserId, Role = UserRole.EditTask, AssignedAt = past, ExpiresAt = DateTimeOffset.UtcNow.AddDays(1) });
            await ctx.SaveChangesAsync();
        }

        // The recurring job as declared at start, fired now (the dashboard's Trigger does the same).
        await node.TriggerAndWaitAsync(UpkeepJobs.AccessExpiry);

        await using var check = await node.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal([UserRole.EditTask], await check.RoleAssignments.Where(r => r.UserId == user.UserId).Select(r => r.Role).ToListAsync());
        Assert.Equal(1, await check.AuditEntries.CountAsync(a => a.Action == "role.expire" && a.Source == "job"));
    }

    [Fact]
    public async Task Both_recurring_jobs_are_declared_on_the_interval_configured()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["Maintenance:ExpiryInterval"] = "00:10:00", ["Jobs:RetentionInterval"] = "06:00:00",
        });
        using var connection = node.Get<Hangfire.JobStorage>().GetConnection();
        var jobs = Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).ToDictionary(j => j.Id, j => j.Cron);

        Assert.Equal("*/10 * * * *", jobs[UpkeepJobs.AccessExpiry]);
        Assert.Equal("0 */6 * * *", jobs[UpkeepJobs.OutboxRetention]);
    }
}
