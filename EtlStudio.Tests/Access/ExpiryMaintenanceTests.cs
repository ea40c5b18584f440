using EtlStudio.Core.Access;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Maintenance;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Access;

public sealed class ExpiryMaintenanceTests(CoreServices core) : IClassFixture<CoreServices>
{
    [Fact]
    public async Task A_pass_removes_expired_roles_and_grants_expires_stale_requests_tells_the_people_and_audits_it()
    {
        var owner = await core.CreateAsync("owner", UserRole.CreateExtDatamodule);
        var user = await core.CreateAsync("user");
        var connection = await core.Get<Core.Connections.ConnectionService>().CreateAsync(owner,
            new Core.Connections.ConnectionInput($"c-{Guid.NewGuid():N}", ConnectionKind.HttpJson, "", "{}", "https://x.example/", null));
        var requestId = await core.Get<AccessRequestService>().RequestAsync(user, connection, AccessType.Write, "for the quarterly export", null);
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using (var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
        {
            db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.UserId, Role = UserRole.ManageData, AssignedAt = past.AddDays(-2), ExpiresAt = past });
            db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.UserId, Role = UserRole.EditTask, AssignedAt = past, ExpiresAt = DateTimeOffset.UtcNow.AddDays(1) });
            db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = connection, UserId = user.UserId, Access = AccessType.Read, GrantedAt = past.AddDays(-2), ExpiresAt = past });
            await db.SaveChangesAsync();
            // A request older than the 14-day default is stale.
            await db.AccessRequests.Where(r => r.Id == requestId).ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, DateTimeOffset.UtcNow.AddDays(-15)));
        }

        var (roles, grants, requests) = await core.Get<ExpiryMaintenance>().RunOnceAsync(CancellationToken.None);

        Assert.Equal((1, 1, 1), (roles, grants, requests));
        await using var check = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.Equal([UserRole.EditTask], await check.RoleAssignments.Where(r => r.UserId == user.UserId).Select(r => r.Role).ToListAsync());
        Assert.False(await check.ConnectionGrants.AnyAsync(g => g.UserId == user.UserId));
        Assert.Equal(AccessRequestStatus.Expired, (await check.AccessRequests.SingleAsync(r => r.Id == requestId)).Status);
        Assert.Equal(2, await check.Notifications.CountAsync(n => n.UserId == user.UserId && n.Title.Contains("expired")));
        Assert.Equal(["access.expire", "access.request.expire", "role.expire"],
            (await check.AuditEntries.Where(a => a.Source == "job").Select(a => a.Action).ToListAsync()).Order());
        // A second pass finds nothing left to do.
        Assert.Equal((0, 0, 0), await core.Get<ExpiryMaintenance>().RunOnceAsync(CancellationToken.None));
    }
}
