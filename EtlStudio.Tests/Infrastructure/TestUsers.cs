using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>Creates users with roles straight in the database, for tests that need actors.</summary>
public static class TestUsers
{
    public static Task<Actor> CreateAsync(this CoreServices core, string loginPrefix, params UserRole[] roles) =>
        CreateAsync(core.Services, loginPrefix, roles);

    public static async Task<Actor> CreateAsync(IServiceProvider services, string loginPrefix, params UserRole[] roles)
    {
        var id = Guid.NewGuid();
        var login = $"{loginPrefix}-{id.ToString("N")[..6]}";
        await using var db = await services.GetRequiredService<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        db.Users.Add(new User { Id = id, Login = login, DisplayName = loginPrefix, CreatedAt = DateTimeOffset.UtcNow });
        foreach (var role in roles)
            db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = id, Role = role, AssignedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        return new Actor(id, login, ActorSource.Ui, "127.0.0.1", "test");
    }
}
