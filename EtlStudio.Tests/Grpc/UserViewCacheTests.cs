using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Grpc;

/// <summary>GetUser answers from a short-lived view; it must still show every change made through Core at once, and every expiry at its moment.</summary>
public sealed class UserViewCacheTests(TokenServices core) : IClassFixture<TokenServices>
{
    private UserService Users => core.Get<UserService>();

    [Fact]
    public async Task A_repeated_read_is_served_from_the_cached_view()
    {
        var user = await core.CreateAsync("view", UserRole.EditTask);

        var first = await Users.GetAsync(user, user.UserId);
        var second = await Users.GetAsync(user, user.UserId);

        Assert.Same(first, second);
    }

    [Fact]
    public async Task A_role_assigned_or_revoked_shows_on_the_next_read()
    {
        var admin = await core.CreateAsync("admin", UserRole.Admin);
        var user = await core.CreateAsync("view");
        Assert.Empty((await Users.GetAsync(user, user.UserId)).Roles);

        await Users.AssignRoleAsync(admin, user.UserId, UserRole.ManageData, null);
        Assert.Equal([UserRole.ManageData], (await Users.GetAsync(user, user.UserId)).Roles.Select(r => r.Role));

        await Users.RevokeRoleAsync(admin, user.UserId, UserRole.ManageData);
        Assert.Empty((await Users.GetAsync(user, user.UserId)).Roles);
    }

    [Fact]
    public async Task A_role_that_expires_while_the_view_is_cached_shows_inactive_from_its_expiry()
    {
        var admin = await core.CreateAsync("admin", UserRole.Admin);
        var user = await core.CreateAsync("view");
        await Users.AssignRoleAsync(admin, user.UserId, UserRole.ProcessEtlTask, core.Time.GetUtcNow().AddSeconds(2));
        Assert.True((await Users.GetAsync(user, user.UserId)).Roles.Single().IsActive);

        core.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.False((await Users.GetAsync(user, user.UserId)).Roles.Single().IsActive);
    }

    [Fact]
    public async Task Roles_come_in_role_order_not_by_their_stored_names()
    {
        var user = await core.CreateAsync("view", UserRole.Admin, UserRole.EditTask, UserRole.ManageData);

        var roles = (await Users.GetAsync(user, user.UserId)).Roles.Select(r => r.Role).ToList();

        Assert.Equal([UserRole.EditTask, UserRole.ManageData, UserRole.Admin], roles);
    }

    [Fact]
    public async Task A_permission_reread_that_finds_nothing_changed_keeps_the_view()
    {
        var user = await core.CreateAsync("view", UserRole.EditTask);
        var first = await Users.GetAsync(user, user.UserId);

        core.Get<AccessPolicy>().Invalidate(user.UserId); // e.g. the permission cache's own expiry

        Assert.Same(first, await Users.GetAsync(user, user.UserId));
    }

    [Fact]
    public async Task Concurrent_reads_after_the_permission_cache_expired_share_one_database_read()
    {
        var user = await core.CreateAsync("view", UserRole.EditTask);
        var shared = new SharedPermissionReads(core.Get<AccessPolicy>());
        core.Get<AccessPolicy>().Invalidate(user.UserId);

        var reads = Enumerable.Range(0, 10).Select(_ => shared.GetAsync(user.UserId, CancellationToken.None)).ToList();
        var results = await Task.WhenAll(reads);

        // Separate reads would each have built their own instance.
        Assert.All(results, r => Assert.Same(results[0], r));
    }
}
