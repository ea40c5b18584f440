using System.Net;
using System.Text;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Upload;

/// <summary>
/// Publishes an outbox to an HTTP JSON data module: each table's rows, in row order, POSTed as JSON arrays of
/// <see cref="UploadDescription.BatchSize"/> records with <c>Idempotency-Key: {run}:{table}:{batch}</c>. Server errors and
/// timeouts are retried with exponential backoff under the same key; a batch is recorded in <c>app.upload_batches</c> only
/// after a 2xx, and a resumed upload skips recorded batches — so the receiver sees each batch once, or again under its key.
/// </summary>
internal sealed class HttpUploader(NpgsqlDataSource data, IHttpClientFactory clients, IOptions<UploadOptions> options, TimeProvider time, IEnumerable<IUploadFaults> faults)
{
    public const string ClientName = "uploads";

    public async Task<PublishedVersion> UploadAsync(Guid runId, string schema, IReadOnlyList<OutboxTable> tables, UploadDescription description,
        ConnectionSecret secret, CancellationToken ct)
    {
        var (baseUrl, headers) = secret.AsHttp();
        var done = await RecordedAsync(runId, ct);
        var published = new List<PublishedTable>();
        foreach (var table in tables)
        {
            var path = (description.Path ?? "/{table}").Replace("{table}", Uri.EscapeDataString(table.Name), StringComparison.Ordinal);
            var url = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + path);
            long rows = 0;
            var batch = 0;
            var records = new List<string>(description.BatchSize);
            await using var conn = await data.OpenConnectionAsync(ct);
            // One streaming read in row order (the alias is one no task column can have, so to_jsonb sees the whole row): batch n is the same rows on every attempt, since a run being uploaded is not edited.
            await using var cmd = new NpgsqlCommand(
                $"SELECT (to_jsonb(_outbox_row) - {Quote(StagingLayout.RowId)})::text FROM {Sql.Table(schema, table.Name)} _outbox_row ORDER BY _outbox_row.{Sql.Ident(StagingLayout.RowId)}", conn);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (true)
            {
                var more = await reader.ReadAsync(ct);
                if (more) records.Add(reader.GetString(0));
                if (records.Count == description.BatchSize || (!more && records.Count > 0))
                {
                    if (!done.Contains((table.Name, batch)))
                    {
                        await SendAsync(url, headers, $"{runId}:{table.Name}:{batch}", records, ct);
                        await RecordAsync(runId, table.Name, batch, records.Count, ct);
                        foreach (var f in faults) await f.AfterPartAsync(runId, table.Name, batch, ct);
                    }
                    rows += records.Count;
                    batch++;
                    records.Clear();
                }
                if (!more) break;
            }
            published.Add(new PublishedTable(table.Name, path, rows, batch));
        }
        return new PublishedVersion(null, published);
    }

    private async Task SendAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, string key, List<string> records, CancellationToken ct)
    {
        var o = options.Value;
        var body = "[" + string.Join(",", records) + "]";
        var client = clients.CreateClient(ClientName);
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(o.RequestTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                foreach (var h in headers) request.Headers.TryAddWithoutValidation(h.Key, h.Value);
                request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
                try
                {
                    using var response = await client.SendAsync(request, timeout.Token);
                    if (response.IsSuccessStatusCode) return;
                    var code = (int)response.StatusCode;
                    if (code < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
                        throw DomainException.Precondition($"The destination refused batch {key} with HTTP {code} {response.ReasonPhrase}; the upload stops so it can be fixed and resumed.");
                    failure = $"HTTP {code}";
                }
                catch (HttpRequestException e) { failure = $"request failed ({e.HttpRequestError})"; }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { failure = "timed out"; }
            }
            if (attempt >= o.MaxAttempts)
                throw DomainException.Precondition($"Batch {key} did not reach the destination after {attempt} attempts (last: {failure}); resume the upload later.");
            var delay = TimeSpan.FromTicks(Math.Min(o.MaxBackoff.Ticks, o.InitialBackoff.Ticks * (1L << Math.Min(attempt - 1, 20))));
            await Task.Delay(delay, time, ct);
        }
    }

    private async Task<HashSet<(string, int)>> RecordedAsync(Guid runId, CancellationToken ct)
    {
        await using var cmd = data.CreateCommand("SELECT table_name, batch FROM app.upload_batches WHERE run_id = @run");
        cmd.Parameters.AddWithValue("run", runId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var done = new HashSet<(string, int)>();
        while (await r.ReadAsync(ct)) done.Add((r.GetString(0), r.GetInt32(1)));
        return done;
    }

    private async Task RecordAsync(Guid runId, string table, int batch, long rows, CancellationToken ct)
    {
        await using var cmd = data.CreateCommand("""
            INSERT INTO app.upload_batches (run_id, table_name, batch, rows, done_at) VALUES (@run, @table, @batch, @rows, @at)
            ON CONFLICT DO NOTHING
            """);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("table", table);
        cmd.Parameters.AddWithValue("batch", batch);
        cmd.Parameters.AddWithValue("rows", rows);
        cmd.Parameters.AddWithValue("at", time.GetUtcNow());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string literal) => "'" + literal.Replace("'", "''") + "'";
}
