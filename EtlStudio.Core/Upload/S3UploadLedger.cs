using Npgsql;

namespace EtlStudio.Core.Upload;

/// <summary>
/// EtlStudio's record of an S3 upload in progress (<c>app.s3_upload_claims</c>, <c>app.s3_upload_parts</c>): the version
/// number a run writes under, claimed once, and the parts already written with their size and sha256.
/// </summary>
internal sealed class S3UploadLedger(NpgsqlDataSource data, TimeProvider time)
{
    public sealed record RecordedPart(string Table, int Part, string Key, long Rows, long Bytes, string Sha256);

    /// <summary>
    /// The run's version number: the one it claimed before, or the next after everything the destination and EtlStudio
    /// know of. The unique (connection, version) key makes two runs racing for one number fail instead of sharing it.
    /// </summary>
    public async Task<int> ClaimAsync(Guid runId, Guid connectionId, int highestKnown, CancellationToken ct)
    {
        if (await ClaimedAsync(runId, ct) is { } claimed) return claimed;
        await using var cmd = data.CreateCommand("""
            INSERT INTO app.s3_upload_claims (run_id, connection_id, version, claimed_at)
            SELECT @run, @conn, greatest(@known, coalesce(max(version), 0)) + 1, @at FROM app.s3_upload_claims WHERE connection_id = @conn
            ON CONFLICT (run_id) DO NOTHING
            """);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("conn", connectionId);
        cmd.Parameters.AddWithValue("known", highestKnown);
        cmd.Parameters.AddWithValue("at", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct);
        return await ClaimedAsync(runId, ct) ?? throw new InvalidOperationException("The version claim was not stored.");
    }

    private async Task<int?> ClaimedAsync(Guid runId, CancellationToken ct)
    {
        await using var cmd = data.CreateCommand("SELECT version FROM app.s3_upload_claims WHERE run_id = @run");
        cmd.Parameters.AddWithValue("run", runId);
        return await cmd.ExecuteScalarAsync(ct) as int?;
    }

    public async Task<List<RecordedPart>> PartsAsync(Guid runId, string table, CancellationToken ct)
    {
        await using var cmd = data.CreateCommand("SELECT part, object_key, rows, bytes, sha256 FROM app.s3_upload_parts WHERE run_id = @run AND table_name = @table ORDER BY part");
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("table", table);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var parts = new List<RecordedPart>();
        while (await r.ReadAsync(ct)) parts.Add(new RecordedPart(table, r.GetInt32(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4)));
        return parts;
    }

    /// <summary>Recorded only after the object is stored; the progress display counts these as batches too.</summary>
    public async Task RecordAsync(Guid runId, RecordedPart part, CancellationToken ct)
    {
        await using var batch = data.CreateBatch();
        var now = time.GetUtcNow();
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO app.s3_upload_parts (run_id, table_name, part, object_key, rows, bytes, sha256, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (run_id, table_name, part) DO UPDATE SET object_key = excluded.object_key, rows = excluded.rows, bytes = excluded.bytes, sha256 = excluded.sha256
            """);
        foreach (var v in new object[] { runId, part.Table, part.Part, part.Key, part.Rows, part.Bytes, part.Sha256, now }) insert.Parameters.Add(new NpgsqlParameter { Value = v });
        var progress = new NpgsqlBatchCommand("INSERT INTO app.upload_batches (run_id, table_name, batch, rows, done_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING");
        foreach (var v in new object[] { runId, part.Table, part.Part, part.Rows, now }) progress.Parameters.Add(new NpgsqlParameter { Value = v });
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(progress);
        await batch.ExecuteNonQueryAsync(ct);
    }
}
