using System.Security.Cryptography;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace EtlStudio.Core.Audit;

/// <summary>
/// Writes audit entries in the caller's transaction, so a change and its entry commit or roll
/// back together. Entries are chained by an HMAC under the key the database never holds (<see cref="AuditChainKey"/>);
/// the chain is extended under a transaction-level advisory lock so concurrent writers cannot fork it.
/// </summary>
public sealed class AuditTrail(TimeProvider time, IDbContextFactory<EtlStudioDbContext> contexts, AuditChainKey key)
{
    // Arbitrary constant shared by every node; serialises appends to the chain.
    internal const long ChainLockKey = 0x45544C4155444954; // "ETLAUDIT"

    // The previous hash and the new entry's canonical text (the same function the verifier reads with), under the lock;
    // the first keyed entry also seals where the keyed chain starts, in the same transaction.
    private const string PrepareSql = """
        SELECT pg_advisory_xact_lock(@lock);
        SELECT coalesce((SELECT hash FROM app.audit_entries ORDER BY id DESC LIMIT 1), '\x'::bytea),
               app.audit_entry_text(@at, @actor_id, @actor_login, @source, @action, @entity_type, @entity_id, @outcome,
                                    @changes::jsonb, @correlation_id, @client_address),
               k.keyed_from, k.seal
        FROM app.audit_keying k;
        """;

    private const string InsertSql = """
        INSERT INTO app.audit_entries (at, actor_id, actor_login, source, action, entity_type, entity_id,
                                       outcome, changes_json, correlation_id, client_address, prev_hash, hash)
        VALUES (@at, @actor_id, @actor_login, @source, @action, @entity_type, @entity_id, @outcome, @changes::jsonb,
                @correlation_id, @client_address, @prev_hash, @hash);
        """;

    /// <summary>Records a change inside <paramref name="db"/>'s open transaction.</summary>
    public async Task RecordAsync(EtlStudioDbContext db, Actor actor, string action, string entityType, object? entityId,
        AuditChanges? changes = null, CancellationToken ct = default)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Audit entries are written inside the change's transaction.");
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var tx = (NpgsqlTransaction)db.Database.CurrentTransaction.GetDbTransaction();
        await InsertAsync(conn, tx, actor, action, entityType, entityId, changes, AuditOutcome.Success, ct);
    }

    /// <summary>
    /// Records a refused attempt in a transaction of its own: the refused change itself never
    /// happens, but the attempt must stay on record.
    /// </summary>
    public async Task RecordDeniedAsync(Actor actor, string action, string entityType, object? entityId, string reason,
        CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await InsertAsync(conn, (NpgsqlTransaction)tx.GetDbTransaction(), actor, action, entityType, entityId,
            new AuditChanges().Note("reason", reason), AuditOutcome.Denied, ct);
        await tx.CommitAsync(ct);
    }

    private async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Actor actor, string action, string entityType,
        object? entityId, AuditChanges? changes, AuditOutcome outcome, CancellationToken ct)
    {
        // PostgreSQL keeps microseconds; truncate here so the value we hash is the value stored.
        var now = time.GetUtcNow();
        var at = new DateTimeOffset(now.Ticks - now.Ticks % 10, TimeSpan.Zero);
        await using var prepare = new NpgsqlCommand(PrepareSql, conn, tx);
        prepare.Parameters.AddWithValue("lock", ChainLockKey);
        AddEntry(prepare, actor, action, entityType, entityId, changes, outcome, at);
        byte[] previous;
        string text;
        long keyedFrom;
        byte[]? startSeal;
        await using (var reader = await prepare.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct); // past the lock
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("app.audit_keying has no row: the database was not migrated (0010).");
            previous = (byte[])reader.GetValue(0);
            text = reader.GetString(1);
            keyedFrom = reader.GetInt64(2);
            startSeal = reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3);
        }
        var expectedStart = key.SealStart(keyedFrom);
        if (startSeal is null)
        {
            await using var seal = new NpgsqlCommand("UPDATE app.audit_keying SET seal = @seal WHERE seal IS NULL", conn, tx);
            seal.Parameters.AddWithValue("seal", expectedStart);
            await seal.ExecuteNonQueryAsync(ct);
        }
        else if (!CryptographicOperations.FixedTimeEquals(startSeal, expectedStart))
        {
            throw new InvalidOperationException(
                $"{AuditChainKey.Setting} is not the key this database's audit chain was sealed with; no change is recorded under another key.");
        }
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        AddEntry(cmd, actor, action, entityType, entityId, changes, outcome, at);
        cmd.Parameters.AddWithValue("prev_hash", previous);
        cmd.Parameters.AddWithValue("hash", key.Seal(previous, text));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void AddEntry(NpgsqlCommand cmd, Actor actor, string action, string entityType, object? entityId,
        AuditChanges? changes, AuditOutcome outcome, DateTimeOffset at)
    {
        cmd.Parameters.AddWithValue("at", at);
        cmd.Parameters.AddWithValue("actor_id", actor.UserId);
        cmd.Parameters.AddWithValue("actor_login", actor.Login);
        cmd.Parameters.AddWithValue("source", actor.Source.ToString().ToLowerInvariant());
        cmd.Parameters.AddWithValue("action", action);
        cmd.Parameters.AddWithValue("entity_type", entityType);
        cmd.Parameters.Add(Text("entity_id", entityId?.ToString()));
        cmd.Parameters.AddWithValue("outcome", outcome.ToString());
        cmd.Parameters.AddWithValue("changes", (changes ?? AuditChanges.None).ToJson());
        cmd.Parameters.Add(Text("correlation_id", actor.CorrelationId));
        cmd.Parameters.Add(Text("client_address", actor.ClientAddress));
    }

    // Typed, so PostgreSQL knows the type of a null in both places the parameter appears.
    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };
}
