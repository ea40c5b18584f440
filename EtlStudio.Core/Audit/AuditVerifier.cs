using Npgsql;

namespace EtlStudio.Core.Audit;

/// <summary>
/// Recomputes the hash chain of the audit trail. Any edited, deleted or reordered entry breaks
/// the chain at that entry.
/// </summary>
public sealed class AuditVerifier(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        SELECT id,
               prev_hash = coalesce(lag(hash) OVER (ORDER BY id), '\x'::bytea) AS linked,
               hash = app.audit_entry_digest(prev_hash, at, actor_id, actor_login, source, action, entity_type,
                                             entity_id, outcome, changes_json, correlation_id, client_address) AS sealed
        FROM app.audit_entries ORDER BY id
        """;

    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(Sql);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        long count = 0;
        while (await reader.ReadAsync(ct))
        {
            count++;
            var id = reader.GetInt64(0);
            if (!reader.GetBoolean(1)) return new(count, id, $"Entry {id} does not follow the entry before it (an entry was removed or inserted).");
            if (!reader.GetBoolean(2)) return new(count, id, $"Entry {id} was altered after it was written.");
        }
        return new(count, null, null);
    }
}
