using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

public sealed class AuditTrailTests(CoreServices core) : IClassFixture<CoreServices>
{
    private static readonly Actor Alice = new(Actor.SystemUserId, "system", ActorSource.Ui, "127.0.0.1", "corr-1");

    private async Task<long> CountAsync(string entityId)
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.LongCountAsync(a => a.EntityId == entityId);
    }

    private async Task<Guid> CreateTaskWithAuditAsync(string name, bool failAfterAudit)
    {
        var id = Guid.NewGuid();
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Tasks.Add(new EtlTask { Id = id, Name = name, CreatedBy = Actor.SystemUserId, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        await core.Get<AuditTrail>().RecordAsync(db, Alice, "task.create", "EtlTask", id, new AuditChanges().Created("name", name));
        if (failAfterAudit) throw new InvalidOperationException("simulated failure before commit");
        await tx.CommitAsync();
        return id;
    }

    [Fact]
    public async Task A_change_and_its_audit_entry_commit_together()
    {
        var id = await CreateTaskWithAuditAsync("audited-" + Guid.NewGuid(), failAfterAudit: false);
        Assert.Equal(1, await CountAsync(id.ToString()));
    }

    [Fact]
    public async Task A_failing_change_leaves_neither_the_change_nor_an_audit_entry()
    {
        var name = "failing-" + Guid.NewGuid();
        long entriesBefore;
        await using (var before = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
            entriesBefore = await before.AuditEntries.LongCountAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateTaskWithAuditAsync(name, failAfterAudit: true));

        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Tasks.AnyAsync(t => t.Name == name));
        Assert.Equal(entriesBefore, await db.AuditEntries.LongCountAsync());
    }

    [Theory]
    [InlineData("UPDATE app.audit_entries SET action = 'tampered'")]
    [InlineData("DELETE FROM app.audit_entries")]
    [InlineData("TRUNCATE app.audit_entries")]
    public async Task The_database_refuses_to_change_or_remove_audit_entries(string sql)
    {
        await CreateTaskWithAuditAsync("guarded-" + Guid.NewGuid(), failAfterAudit: false);
        // The runtime role holds no such right (RuntimeRoleTests); even the owner meets the append-only triggers.
        await using var owner = NpgsqlDataSource.Create(core.OwnerConnectionString);
        await using var cmd = owner.CreateCommand(sql);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Contains("append-only", ex.MessageText);
    }

    [Fact]
    public async Task Verification_passes_on_an_intact_chain_and_finds_an_altered_entry()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++) ids.Add(await CreateTaskWithAuditAsync($"chain-{i}-{Guid.NewGuid()}", failAfterAudit: false));
        var verifier = core.Get<AuditVerifier>();
        Assert.True((await verifier.VerifyAsync()).IsIntact);

        // Someone with owner rights switches the guard off and edits an entry.
        await using var owner = NpgsqlDataSource.Create(core.OwnerConnectionString);
        await using (var cmd = owner.CreateCommand("""
            ALTER TABLE app.audit_entries DISABLE TRIGGER audit_entries_append_only;
            UPDATE app.audit_entries SET actor_login = 'mallory' WHERE entity_id = @id;
            ALTER TABLE app.audit_entries ENABLE TRIGGER audit_entries_append_only;
            """))
        {
            cmd.Parameters.AddWithValue("id", ids[1].ToString());
            await cmd.ExecuteNonQueryAsync();
        }

        var result = await verifier.VerifyAsync();
        Assert.False(result.IsIntact);
        Assert.Contains("altered", result.Problem);
    }

    [Fact]
    public async Task Concurrent_writers_keep_one_unbroken_chain()
    {
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => CreateTaskWithAuditAsync($"parallel-{i}-{Guid.NewGuid()}", false)));
        Assert.True((await core.Get<AuditVerifier>().VerifyAsync()).IsIntact);
    }
}
