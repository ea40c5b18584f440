using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

/// <summary>
/// Someone with every right in the database (the owner: triggers off, any table) but without Audit:ChainKey edits
/// entries and re-seals the chain after them with the digest function the database holds: `verify-audit` names the
/// first forged entry and exits 1.
/// </summary>
public sealed class AuditForgeryTests(CoreServices core) : IClassFixture<CoreServices>
{
    private async Task<List<long>> RecordAsync(int count)
    {
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
            await using var tx = await db.Database.BeginTransactionAsync();
            await core.Get<AuditTrail>().RecordAsync(db, Actor.System("forgery-test"), "connection.create", "Connection", Guid.NewGuid());
            await tx.CommitAsync();
            ids.Add(await db.AuditEntries.MaxAsync(e => e.Id));
        }
        return ids;
    }

    // Rewrites every entry from @from on, each chained to the one before and sealed by the database's own digest, as
    // the plain chain was: a consistent chain for anyone who does not hold the key.
    private const string Reseal = """
        ALTER TABLE app.audit_entries DISABLE TRIGGER audit_entries_append_only;
        DO $$
        DECLARE e record; prev bytea;
        BEGIN
            SELECT coalesce((SELECT hash FROM app.audit_entries WHERE id < current_setting('forgery.from')::bigint ORDER BY id DESC LIMIT 1), '\x'::bytea) INTO prev;
            FOR e IN SELECT * FROM app.audit_entries WHERE id >= current_setting('forgery.from')::bigint ORDER BY id LOOP
                UPDATE app.audit_entries SET prev_hash = prev,
                    hash = app.audit_entry_digest(prev, e.at, e.actor_id, e.actor_login, e.source, e.action, e.entity_type,
                                                  e.entity_id, e.outcome, e.changes_json, e.correlation_id, e.client_address)
                WHERE id = e.id RETURNING hash INTO prev;
            END LOOP;
        END $$;
        ALTER TABLE app.audit_entries ENABLE TRIGGER audit_entries_append_only;
        """;

    private async Task AsOwnerAsync(string sql, long from)
    {
        await using var conn = new NpgsqlConnection(core.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT set_config('forgery.from', '{from}', false);" + sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_chain_edited_and_re_sealed_without_the_key_fails_verification_at_the_first_forged_entry()
    {
        var ids = await RecordAsync(5);
        var (ok, okOutput) = await AuditVerifyProcess.RunAsync(core.ConnectionString);
        Assert.True(ok == 0, okOutput);

        var forged = ids[2];
        await AsOwnerAsync($"""
            ALTER TABLE app.audit_entries DISABLE TRIGGER audit_entries_append_only;
            UPDATE app.audit_entries SET actor_login = 'mallory', action = 'connection.view' WHERE id = {forged};
            ALTER TABLE app.audit_entries ENABLE TRIGGER audit_entries_append_only;
            """ + Reseal, forged);

        // The forger's chain is consistent by the database's own digest...
        await using (var conn = new NpgsqlConnection(core.OwnerConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                SELECT bool_and(linked) FROM (SELECT prev_hash = coalesce(lag(hash) OVER (ORDER BY id), '\x'::bytea) AS linked
                                              FROM app.audit_entries) t
                """, conn);
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
        }
        // ...but not by the key's.
        var (exit, output) = await AuditVerifyProcess.RunAsync(core.ConnectionString);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN at entry {forged}:", output);
        Assert.Contains("re-sealed without the key", output);

        // Declaring the whole chain older than the keying (moving the keyed chain's start past its end, so the database's
        // digest is all that is checked) does not help either: the start is sealed with the key.
        await AsOwnerAsync(Reseal + $"UPDATE app.audit_keying SET keyed_from = {ids[^1] + 1};", ids[0]);
        var (moved, movedOutput) = await AuditVerifyProcess.RunAsync(core.ConnectionString);
        Assert.Equal(1, moved);
        Assert.Contains($"BROKEN at entry {ids[^1] + 1}:", movedOutput);
        Assert.Contains("start of the keyed chain", movedOutput);
    }
}
