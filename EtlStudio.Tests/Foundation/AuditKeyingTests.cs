using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

/// <summary>
/// A database from before the chain was keyed: migrations 0001–0009 applied and three entries written as the old
/// writer did (sealed by the plain digest in the database), then this version's migrations.
/// </summary>
public sealed class PreKeyingCore : CoreServices
{
    public const int OldEntries = 3;

    protected override async Task BeforeMigrationsAsync(string ownerConnectionString)
    {
        await using var conn = new NpgsqlConnection(ownerConnectionString);
        await conn.OpenAsync();
        await using (var table = new NpgsqlCommand("CREATE TABLE public.etlstudio_migrations (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", conn))
            await table.ExecuteNonQueryAsync();
        foreach (var (name, sql) in DatabaseMigrator.Embedded.Where(m => string.CompareOrdinal(m.Name, "0010") < 0))
        {
            await using var cmd = new NpgsqlCommand(sql + ";INSERT INTO public.etlstudio_migrations (name, checksum) VALUES (@n, @c)", conn);
            cmd.Parameters.AddWithValue("n", name);
            cmd.Parameters.AddWithValue("c", DatabaseMigrator.Checksum(sql));
            await cmd.ExecuteNonQueryAsync();
        }
        for (var i = 0; i < OldEntries; i++)
        {
            // The writer before issue 29, verbatim.
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO app.audit_entries (at, actor_id, actor_login, source, action, entity_type, entity_id,
                                               outcome, changes_json, correlation_id, client_address, prev_hash, hash)
                SELECT @at, @actor_id, 'system', 'job', 'old.entry', 'Test', @entity_id, 'Success', '{"n": 1}'::jsonb,
                       NULL, NULL, p.h,
                       app.audit_entry_digest(p.h, @at, @actor_id, 'system', 'job', 'old.entry', 'Test', @entity_id,
                                              'Success', '{"n": 1}'::jsonb, NULL, NULL)
                FROM (SELECT coalesce((SELECT hash FROM app.audit_entries ORDER BY id DESC LIMIT 1), '\x'::bytea) AS h) p
                """, conn);
            cmd.Parameters.AddWithValue("at", DateTimeOffset.UnixEpoch.AddDays(20000 + i));
            cmd.Parameters.AddWithValue("actor_id", Actor.SystemUserId);
            cmd.Parameters.AddWithValue("entity_id", $"old-{i}");
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

public sealed class AuditKeyingTests(PreKeyingCore core) : IClassFixture<PreKeyingCore>
{
    private static async Task RecordAsync(IServiceProvider services, string entityId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await services.GetRequiredService<AuditTrail>().RecordAsync(db, Actor.System("keying-test"), "new.entry", "Test", entityId);
        await tx.CommitAsync();
    }

    [Fact]
    public async Task Entries_from_before_keying_keep_verifying_and_later_ones_are_sealed_with_the_key()
    {
        await RecordAsync(core.Services, "new-1");
        await RecordAsync(core.Services, "new-2");

        var result = await core.Get<AuditVerifier>().VerifyAsync();
        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(PreKeyingCore.OldEntries + 1, result.KeyedFrom);
        Assert.True(result.EntriesChecked >= PreKeyingCore.OldEntries + 2);

        // The new entries' hashes are not what the database alone can compute.
        await using var conn = new NpgsqlConnection(core.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT bool_and(hash = app.audit_entry_digest(prev_hash, at, actor_id, actor_login, source, action, entity_type,
                                                          entity_id, outcome, changes_json, correlation_id, client_address))
            FROM app.audit_entries WHERE entity_id LIKE @prefix
            """, conn);
        cmd.Parameters.AddWithValue("prefix", "new-%");
        Assert.False((bool)(await cmd.ExecuteScalarAsync())!);
        cmd.Parameters["prefix"].Value = "old-%";
        Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_node_given_another_chain_key_refuses_to_write_and_the_verifier_says_the_key_is_not_the_chain_s()
    {
        await RecordAsync(core.Services, "sealed-start");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AuditChainKey.Setting] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        }).Build();
        var otherKey = new AuditChainKey(configuration);
        var trail = new AuditTrail(TimeProvider.System, core.Get<IDbContextFactory<EtlStudioDbContext>>(), otherKey);
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => trail.RecordAsync(db, Actor.System("other"), "x", "Test", null));
        Assert.Contains("Audit:ChainKey is not the key", ex.Message);
        var verdict = await new AuditVerifier(core.Get<NpgsqlDataSource>(), otherKey).VerifyAsync();
        Assert.False(verdict.IsIntact);
        Assert.Equal(PreKeyingCore.OldEntries + 1, verdict.FirstBrokenId);
    }
}
