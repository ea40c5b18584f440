using System.Security.Cryptography;
using Npgsql;

namespace EtlStudio.Core.Audit;

/// <summary>
/// Recomputes the chain of the audit trail. Any edited, deleted or reordered entry breaks the chain at that entry.
/// Entries written before the chain was keyed (migration 0010) are checked against the plain digest; later ones
/// against the HMAC under <see cref="AuditChainKey"/>, so a chain re-sealed by someone without the key breaks at the
/// first entry they forged, and so does a start of the keyed chain moved past it.
/// </summary>
public sealed class AuditVerifier(NpgsqlDataSource dataSource, AuditChainKey key)
{
    private const string Sql = """
        SELECT id, prev_hash, hash,
               prev_hash = coalesce(lag(hash) OVER (ORDER BY id), '\x'::bytea) AS linked,
               hash = app.audit_entry_digest(prev_hash, at, actor_id, actor_login, source, action, entity_type,
                                             entity_id, outcome, changes_json, correlation_id, client_address) AS sealed_unkeyed,
               app.audit_entry_text(at, actor_id, actor_login, source, action, entity_type, entity_id, outcome,
                                    changes_json, correlation_id, client_address) AS text
        FROM app.audit_entries ORDER BY id
        """;

    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        if (!key.IsConfigured)
            throw new InvalidOperationException($"{AuditChainKey.Setting} is not set: the keyed audit chain cannot be checked without the key that sealed it.");
        long keyedFrom;
        byte[]? startSeal;
        await using (var keying = dataSource.CreateCommand("SELECT keyed_from, seal FROM app.audit_keying"))
        await using (var reader = await keying.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("app.audit_keying has no row: the database was not migrated (0010).");
            keyedFrom = reader.GetInt64(0);
            startSeal = reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1);
        }
        var startIntact = startSeal is not null && CryptographicOperations.FixedTimeEquals(startSeal, key.SealStart(keyedFrom));

        await using var cmd = dataSource.CreateCommand(Sql);
        await using var rows = await cmd.ExecuteReaderAsync(ct);
        long count = 0;
        while (await rows.ReadAsync(ct))
        {
            count++;
            var id = rows.GetInt64(0);
            if (!rows.GetBoolean(3)) return new(count, id, $"Entry {id} does not follow the entry before it (an entry was removed or inserted).", keyedFrom);
            if (id < keyedFrom)
            {
                if (!rows.GetBoolean(4)) return new(count, id, $"Entry {id} was altered after it was written.", keyedFrom);
                continue;
            }
            // The first keyed entry sealed the start in its own transaction: without a valid start seal, the start was moved.
            if (!startIntact)
                return new(count, id, $"Entry {id} lies where the keyed chain starts (entry {keyedFrom}), but that start is not sealed with the chain key: it was moved or forged.", keyedFrom);
            var expected = key.Seal((byte[])rows.GetValue(1), rows.GetString(5));
            if (!CryptographicOperations.FixedTimeEquals(expected, (byte[])rows.GetValue(2)))
                return new(count, id, $"Entry {id} was altered after it was written (its seal is not the chain key's: re-sealed without the key).", keyedFrom);
        }
        // A start seal that is present must be the key's, even with no keyed entry after it.
        if (startSeal is not null && !startIntact)
            return new(count, keyedFrom, $"The start of the keyed chain (entry {keyedFrom}) is not sealed with the chain key: it was moved, or {AuditChainKey.Setting} is not the key that sealed it.", keyedFrom);
        return new(count, null, null, keyedFrom);
    }
}
