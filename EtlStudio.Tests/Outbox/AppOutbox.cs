using EtlStudio.Core.Common;
using EtlStudio.Core.Demo;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Outbox;

/// <summary>Stages an outbox in a running app's database, as alice, with a destination that is never contacted.</summary>
public static class AppOutbox
{
    public static async Task<StagedRun> StageAsync(AppProcess app, int people = 30)
    {
        var destination = Guid.NewGuid();
        await using (var db = new EtlStudioDbContext(new DbContextOptionsBuilder<EtlStudioDbContext>().UseNpgsql(app.DatabaseConnectionString).Options))
        {
            // Reading and editing an outbox never touches its destination, so its secret can be a placeholder.
            db.Connections.Add(new Connection { Id = destination, Name = $"app-dm-{destination:N}", Kind = ConnectionKind.PostgreSql, SecretCipher = "-",
                CreatedBy = DemoSeeder.AliceId, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        return await OutboxStaging.StageAsync(app.DatabaseConnectionString, new Actor(DemoSeeder.AliceId, "alice", ActorSource.Ui), destination,
            ConnectionKind.PostgreSql, [OutboxWorld.People(people)]);
    }
}
