using EtlStudio.Core.Connections;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Publishes an outbox to a PostgreSQL data module: each table streamed by binary COPY into a new immutable table
/// <c>{prefix_}{table}_v{n}</c> (one destination transaction per table, recorded in its progress table, so a resume skips
/// finished tables), then one transaction that records the version and rewrites the views. If the destination already
/// knows this run, nothing is written again.
/// </summary>
internal sealed class PostgresUploader(NpgsqlDataSource staging, IEnumerable<IUploadFaults> faults)
{
    public async Task<PublishedVersion> UploadAsync(Guid runId, string schema, IReadOnlyList<OutboxTable> tables, UploadDescription description,
        ConnectionSecret secret, int appMaxVersion, CancellationToken ct)
    {
        await using var dest = new NpgsqlConnection(secret.Value);
        await dest.OpenAsync(ct);
        await DestinationProtocol.LockAndPrepareAsync(dest, ct);
        try
        {
            if (await DestinationProtocol.FindByRunAsync(dest, runId, ct) is { } already) return already;
            var version = Math.Max(await DestinationProtocol.MaxVersionAsync(dest, ct), appMaxVersion) + 1;
            var done = await DestinationProtocol.ProgressAsync(dest, runId, ct);
            var published = new List<PublishedTable>();
            foreach (var table in tables)
            {
                var view = DestinationProtocol.ViewName(description.TablePrefix, table.Name);
                var target = DestinationProtocol.TargetName(description.TablePrefix, table.Name, version);
                // A table finished by an earlier attempt for the same version number is complete: its copy committed with its record.
                if (done.TryGetValue(table.Name, out var previous) && previous.Target == target)
                {
                    published.Add(previous with { View = view });
                    continue;
                }
                var rows = await CopyTableAsync(dest, runId, schema, table, target, ct);
                published.Add(new PublishedTable(table.Name, target, rows, 0, view));
                foreach (var f in faults) await f.AfterPartAsync(runId, table.Name, published.Count, ct);
            }
            await using (var tx = await dest.BeginTransactionAsync(ct))
            {
                await DestinationProtocol.PublishAsync(dest, tx, version, runId, published, ct);
                foreach (var f in faults) await f.BeforeCommitAsync(runId, ct);
                await tx.CommitAsync(ct);
            }
            foreach (var f in faults) await f.AfterCommitAsync(runId, ct);
            return new PublishedVersion(version, published);
        }
        finally
        {
            if (dest.State == System.Data.ConnectionState.Open) await DestinationProtocol.UnlockAsync(dest, CancellationToken.None);
        }
    }

    /// <summary>Recreates <paramref name="target"/> and streams the table into it as raw binary COPY, so memory stays flat.</summary>
    private async Task<long> CopyTableAsync(NpgsqlConnection dest, Guid runId, string schema, OutboxTable table, string target, CancellationToken ct)
    {
        var columns = string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)));
        var definition = string.Join(", ", table.Columns.Select(c => $"{Sql.Ident(c.Name)} {Sql.TypeOf(c.Type)}"));
        await using var tx = await dest.BeginTransactionAsync(ct);
        // Left over by an attempt that died before recording it, or by an upload whose version number was taken since: never published, safe to replace.
        await using (var create = new NpgsqlCommand($"DROP TABLE IF EXISTS {Sql.Ident(target)}; CREATE TABLE {Sql.Ident(target)} ({definition})", dest, tx))
            await create.ExecuteNonQueryAsync(ct);
        if (table.Columns.Count > 0)
        {
            await using var source = await staging.OpenConnectionAsync(ct);
            await using (var reader = await source.BeginRawBinaryCopyAsync(
                             $"COPY (SELECT {columns} FROM {Sql.Table(schema, table.Name)} ORDER BY {Sql.Ident(StagingLayout.RowId)}) TO STDOUT (FORMAT BINARY)", ct))
            await using (var writer = await dest.BeginRawBinaryCopyAsync($"COPY {Sql.Ident(target)} ({columns}) FROM STDIN (FORMAT BINARY)", ct))
                await reader.CopyToAsync(writer, ct);
        }
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Sql.Ident(target)}", dest, tx);
        var rows = (long)(await count.ExecuteScalarAsync(ct))!;
        // Recorded in the copy's own transaction: a table is either complete and recorded, or neither.
        await DestinationProtocol.RecordProgressAsync(dest, tx, runId, new PublishedTable(table.Name, target, rows), ct);
        await tx.CommitAsync(ct);
        return rows;
    }
}
