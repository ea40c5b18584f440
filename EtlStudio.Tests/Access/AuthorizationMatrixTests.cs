using EtlStudio.Core.Access;
using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Access;

/// <summary>
/// Each identity and access use case against each kind of caller: who is allowed, who is refused,
/// and that every refusal lands in the audit trail.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.World world) : IClassFixture<AuthorizationMatrixTests.World>
{
    public enum Caller { NoRole, EditTask, ManageData, CreateExtDatamodule, ProcessEtlTask, Admin, Owner, NonOwner, ExpiredGrant, ExpiredRole }

    /// <summary>One database with one connection and a caller of each kind.</summary>
    public sealed class World : CoreServices
    {
        public Dictionary<Caller, Actor> Callers { get; } = [];
        public Guid ConnectionId { get; private set; }
        public Guid BystanderId { get; private set; }

        public async Task BuildAsync()
        {
            if (Callers.Count > 0) return;
            BystanderId = (await this.CreateAsync("bystander")).UserId;
            Callers[Caller.NoRole] = await this.CreateAsync("none");
            Callers[Caller.EditTask] = await this.CreateAsync("editor", UserRole.EditTask);
            Callers[Caller.ManageData] = await this.CreateAsync("datamgr", UserRole.ManageData);
            Callers[Caller.CreateExtDatamodule] = await this.CreateAsync("creator", UserRole.CreateExtDatamodule);
            Callers[Caller.ProcessEtlTask] = await this.CreateAsync("taskmgr", UserRole.ProcessEtlTask);
            Callers[Caller.Admin] = await this.CreateAsync("admin", UserRole.Admin);
            Callers[Caller.Owner] = await this.CreateAsync("owner", UserRole.CreateExtDatamodule);
            Callers[Caller.NonOwner] = await this.CreateAsync("nonowner", UserRole.CreateExtDatamodule);
            Callers[Caller.ExpiredGrant] = await this.CreateAsync("expiredgrant");
            Callers[Caller.ExpiredRole] = await this.CreateAsync("expiredrole");
            ConnectionId = await Get<ConnectionService>().CreateAsync(Callers[Caller.Owner],
                new ConnectionInput("matrix-source", ConnectionKind.PostgreSql, "", "{}", "Host=127.0.0.1;Port=1;Database=x;Username=u;Password=p", null));
            await using var db = await Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
            var past = DateTimeOffset.UtcNow.AddMinutes(-1);
            db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = ConnectionId, UserId = Callers[Caller.ExpiredGrant].UserId, Access = AccessType.Owner, GrantedAt = past.AddDays(-1), ExpiresAt = past });
            db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = Callers[Caller.ExpiredRole].UserId, Role = UserRole.Admin, AssignedAt = past.AddDays(-1), ExpiresAt = past });
            db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = Callers[Caller.ExpiredRole].UserId, Role = UserRole.CreateExtDatamodule, AssignedAt = past.AddDays(-1), ExpiresAt = past });
            await db.SaveChangesAsync();
        }
    }

    private static readonly Caller[] All = Enum.GetValues<Caller>();

    // use case → who may do it. Everyone else must be refused.
    public static TheoryData<string, Caller> Cases()
    {
        var allowed = new Dictionary<string, Caller[]>
        {
            ["connection.create"] = [Caller.CreateExtDatamodule, Caller.Owner, Caller.NonOwner],
            ["connection.update"] = [Caller.Owner],
            ["user.list"] = [Caller.Admin],
            ["user.create"] = [Caller.Admin],
            ["role.assign"] = [Caller.Admin],
            ["access.list.all"] = [Caller.Admin],
            ["user.read.other"] = [Caller.Admin],
            ["script.create"] = [Caller.EditTask],
            ["script.list"] = [Caller.EditTask, Caller.ProcessEtlTask, Caller.Admin],
            ["task.create"] = [Caller.EditTask],
            ["task.list"] = [Caller.EditTask, Caller.ProcessEtlTask, Caller.Admin],
        };
        var data = new TheoryData<string, Caller>();
        foreach (var (useCase, _) in allowed)
            foreach (var caller in All) data.Add(useCase, caller);
        return data;
    }

    private static bool IsAllowed(string useCase, Caller caller) => useCase switch
    {
        "connection.create" => caller is Caller.CreateExtDatamodule or Caller.Owner or Caller.NonOwner,
        "connection.update" => caller is Caller.Owner,
        "script.create" or "task.create" => caller is Caller.EditTask,
        "script.list" or "task.list" => caller is Caller.EditTask or Caller.ProcessEtlTask or Caller.Admin,
        _ => caller is Caller.Admin,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_use_case_allows_exactly_the_right_callers_and_audits_every_refusal(string useCase, Caller caller)
    {
        await world.BuildAsync();
        var actor = world.Callers[caller];
        var expectAllowed = IsAllowed(useCase, caller);
        var before = await DeniedCountAsync(actor);

        Func<Task> act = useCase switch
        {
            "connection.create" => () => world.Get<ConnectionService>().CreateAsync(actor, new ConnectionInput($"c-{Guid.NewGuid():N}", ConnectionKind.HttpJson, "", "{}", "https://example.invalid/", null)),
            "connection.update" => () => world.Get<ConnectionService>().UpdateAsync(actor, world.ConnectionId, new ConnectionInput("matrix-source", ConnectionKind.PostgreSql, "changed by " + caller, "{}", null, null)),
            "user.list" => () => world.Get<UserService>().ListAsync(actor, new PageRequest()),
            "user.create" => () => world.Get<UserService>().CreateAsync(actor, $"u-{Guid.NewGuid():N}"[..20], "New user"),
            "role.assign" => () => world.Get<UserService>().AssignRoleAsync(actor, world.Callers[Caller.NoRole].UserId, UserRole.ManageData, DateTimeOffset.UtcNow.AddDays(1))
                .ContinueWith(t => t.IsCompletedSuccessfully ? world.Get<UserService>().RevokeRoleAsync(world.Callers[Caller.Admin], world.Callers[Caller.NoRole].UserId, UserRole.ManageData) : t).Unwrap(),
            "access.list.all" => () => world.Get<AccessRequestService>().ListAsync(actor, new AccessRequestFilter(AccessRequestScope.All), new PageRequest()),
            "user.read.other" => () => world.Get<UserService>().GetAsync(actor, world.BystanderId),
            "script.create" => () => world.Get<Core.Scripts.ScriptService>().CreateAsync(actor, new Core.Scripts.ScriptInput("q", ScriptKind.Extractor, null, "SELECT 1")),
            "script.list" => () => world.Get<Core.Scripts.ScriptService>().ListAsync(actor, null, null, new PageRequest()),
            "task.create" => () => world.Get<Core.Tasks.TaskService>().CreateAsync(actor, $"t-{Guid.NewGuid():N}", null),
            "task.list" => () => world.Get<Core.Tasks.TaskService>().ListAsync(actor, new PageRequest()),
            _ => throw new ArgumentOutOfRangeException(nameof(useCase)),
        };

        if (expectAllowed)
        {
            await act();
            Assert.Equal(before, await DeniedCountAsync(actor));
        }
        else
        {
            var ex = await Assert.ThrowsAsync<DomainException>(act);
            Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
            Assert.Equal(before + 1, await DeniedCountAsync(actor));
        }
    }

    [Fact]
    public async Task Only_an_owner_other_than_the_requester_can_decide_and_an_expired_owner_cannot()
    {
        await world.BuildAsync();
        var access = world.Get<AccessRequestService>();
        var requester = world.Callers[Caller.ManageData];
        var requestId = await access.RequestAsync(requester, world.ConnectionId, AccessType.Read, "quarterly churn analysis", 30);

        foreach (var caller in new[] { Caller.NonOwner, Caller.ExpiredGrant, Caller.Admin, Caller.ManageData })
        {
            var ex = await Assert.ThrowsAsync<DomainException>(() => access.DecideAsync(world.Callers[caller], requestId, approve: true, null));
            Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        }
        // A denial says why; without a reason it is refused and the request stays pending.
        var unexplained = await Assert.ThrowsAsync<ValidationException>(() => access.DecideAsync(world.Callers[Caller.Owner], requestId, approve: false, "  "));
        Assert.Equal("comment", Assert.Single(unexplained.Problems).Path);
        await access.DecideAsync(world.Callers[Caller.Owner], requestId, approve: true, "ok for the churn study");

        var policy = world.Get<AccessPolicy>();
        Assert.True(await policy.HasAccessAsync(requester, world.ConnectionId, AccessType.Read));
        Assert.False(await policy.HasAccessAsync(requester, world.ConnectionId, AccessType.Write));
        // A second decision on the same request is refused as a state problem, not silently applied.
        var again = await Assert.ThrowsAsync<DomainException>(() => access.DecideAsync(world.Callers[Caller.Owner], requestId, approve: false, null));
        Assert.Equal(ErrorKind.FailedPrecondition, again.Kind);
    }

    [Fact]
    public async Task An_expired_grant_stops_working_at_once_even_while_permissions_are_cached()
    {
        await world.BuildAsync();
        var policy = world.Get<AccessPolicy>();
        var user = await world.CreateAsync("shortlived");
        await using (var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
        {
            db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = world.ConnectionId, UserId = user.UserId, Access = AccessType.Read, GrantedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(2) });
            await db.SaveChangesAsync();
        }
        var cached = await policy.GetAsync(user.UserId);

        Assert.True(cached.HasAccess(world.ConnectionId, AccessType.Read, DateTimeOffset.UtcNow));
        Assert.False(cached.HasAccess(world.ConnectionId, AccessType.Read, DateTimeOffset.UtcNow.AddSeconds(3)));
    }

    [Fact]
    public async Task Role_assignments_refuse_a_past_expiry_and_a_duplicate()
    {
        await world.BuildAsync();
        var users = world.Get<UserService>();
        var admin = world.Callers[Caller.Admin];
        var target = world.Callers[Caller.EditTask].UserId;

        var past = await Assert.ThrowsAsync<ValidationException>(() => users.AssignRoleAsync(admin, target, UserRole.ManageData, DateTimeOffset.UtcNow.AddMinutes(-5)));
        Assert.Contains(past.Problems, p => p.Path == "expiresAt");
        var duplicate = await Assert.ThrowsAsync<DomainException>(() => users.AssignRoleAsync(admin, target, UserRole.EditTask, null));
        Assert.Equal(ErrorKind.AlreadyExists, duplicate.Kind);
    }

    private async Task<long> DeniedCountAsync(Actor actor)
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.LongCountAsync(a => a.ActorId == actor.UserId && a.Outcome == AuditOutcome.Denied);
    }
}
