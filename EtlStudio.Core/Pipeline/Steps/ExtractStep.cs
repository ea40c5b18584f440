using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline.Extraction;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 1: every source of every table streamed into <c>__x{i}</c> by binary COPY, typed on the way. Sources are read
/// highest priority first and rows numbered in that order (<c>_row</c>, an identity), so "the first record of a key"
/// is the one from the highest-priority source, first extracted. A value that does not convert is noted in
/// <c>_bad_*</c> for step 2. A PostgreSQL source whose columns already have the table's types (or convert without
/// fail) is copied as it comes, binary COPY to binary COPY, without decoding a value here.
/// Working tables are unlogged: they are rebuilt from the sources if a server crash empties them (see
/// <see cref="StagingLayout.Alive"/>), so their writes need no WAL.
/// </summary>
internal sealed class ExtractStep(Func<Guid, CancellationToken, Task<(string Name, ConnectionSecret Secret)>> sources,
    HttpClient http, NpgsqlDataSource dataSource, PipelineOptions options)
{
    private const int ProgressEvery = 50_000;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public async Task<StepResult> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var tables = ctx.Task.Tables;
        var counts = new long[tables.Count];
        var progress = new Progress(ctx.Checkpoint);
        // Tables are extracted two at a time when there are side connections — one lane on the step's connection, one
        // on a side connection — as each copy keeps about one core busy; a table's sources go in priority order.
        var lanes = ctx.Side is null || tables.Count < 2 ? 1 : 2;
        async Task LaneAsync(NpgsqlConnection conn, int lane, CancellationToken t)
        {
            for (var i = lane; i < tables.Count; i += lanes) counts[i] = await TableAsync(ctx, conn, i, progress, t);
        }
        await SideConnections.RunAsync(ctx.Connection, ctx.Side, ct, (c, t) => LaneAsync(c, 0, t), lanes == 2 ? (c, t) => LaneAsync(c, 1, t) : null);
        for (var i = 0; i < tables.Count; i++) ctx.Counts.Set(StepContext.Work("x", i), counts[i]);
        var rows = counts.Sum();
        return new StepResult(PipelineStep.Extract, rows, rows, 0, DateTimeOffset.UtcNow - started);
    }

    /// <summary>Every source of table <paramref name="i"/> into <c>__x{i}</c>, on <paramref name="conn"/>; returns its rows.</summary>
    private async Task<long> TableAsync(StepContext ctx, NpgsqlConnection conn, int i, Progress progress, CancellationToken ct)
    {
        var table = ctx.Task.Tables[i];
        var work = ctx.T(StepContext.Work("x", i));
        var columns = string.Join(", ", table.Columns.Select(c => $"{Sql.Ident(c.Name)} {Sql.TypeOf(c.Type)}"));
        await StepContext.ExecAsync(conn, $"""
            DROP TABLE IF EXISTS {work};
            CREATE UNLOGGED TABLE {work} (_row bigint GENERATED ALWAYS AS IDENTITY, _src integer NOT NULL, {columns}, _bad_col text, _bad_reason text) {Sql.Working}
            """, ct);
        long rows = 0;
        var copy = $"COPY {work} (_src, {string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)))}, _bad_col, _bad_reason) FROM STDIN (FORMAT BINARY)";
        for (var s = 0; s < table.Extractions.Count; s++)
        {
            var extraction = table.Extractions[s];
            var (name, secret) = await sources(extraction.ConnectionId, ct);
            var request = new SourceRequest(table.Name, name, secret, extraction, table.Columns, ctx.SampleRows, options.SourceTimeout);
            if (extraction.ConnectionKind == ConnectionKind.PostgreSql)
            {
                using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var copied = new[] { 0L };
                var reporting = ReportCopyProgressAsync(progress, conn.ProcessID, copied, watching.Token);
                bool done;
                try { done = await PostgresSourceReader.TryCopyAsync(request, s, conn, copy, ct); }
                finally
                {
                    await watching.CancelAsync();
                    await reporting;
                }
                if (done)
                {
                    var total = await NumberedAsync(conn, work, ct);
                    await progress.AddAsync(total - rows - Interlocked.Read(ref copied[0]), ct);
                    rows = total;
                    continue;
                }
            }
            var records = extraction.ConnectionKind == ConnectionKind.HttpJson
                ? HttpJsonSourceReader.ReadAsync(request, http, options.MaxDocumentBytes, ct)
                : PostgresSourceReader.ReadAsync(request, ct);
            rows += await ImportAsync(conn, copy, table, s, records, progress, ct);
        }
        return rows;
    }

    /// <summary>Records converted one by one to the table's types; returns how many there were.</summary>
    private static async Task<long> ImportAsync(NpgsqlConnection conn, string copy, ResolvedTable table, int source, IAsyncEnumerable<object?[]> records,
        Progress progress, CancellationToken ct)
    {
        long rows = 0;
        await using var importer = await conn.BeginBinaryImportAsync(copy, ct);
        var types = table.Columns.Select(c => Sql.DbTypeOf(c.Type)).ToArray();
        var values = new object?[table.Columns.Count];
        await foreach (var record in records.WithCancellation(ct))
        {
            string? badColumn = null, badReason = null;
            for (var c = 0; c < values.Length; c++)
            {
                if (ValueConverter.TryConvert(record[c], table.Columns[c].Type, out values[c], out var error)) continue;
                values[c] = null;
                if (badColumn is null) (badColumn, badReason) = (table.Columns[c].Name, error);
            }
            rows++;
            // Synchronous writes: they only fill the COPY buffer (a full buffer is flushed, blocking briefly),
            // which costs far less than an awaited call per value.
            importer.StartRow();
            importer.Write(source, NpgsqlDbType.Integer);
            for (var c = 0; c < values.Length; c++)
            {
                if (values[c] is null) importer.WriteNull();
                else importer.Write(values[c], types[c]);
            }
            if (badColumn is null) { importer.WriteNull(); importer.WriteNull(); }
            else { importer.Write(badColumn, NpgsqlDbType.Text); importer.Write(badReason, NpgsqlDbType.Text); }
            if (rows % ProgressEvery == 0) await progress.AddAsync(ProgressEvery, ct);
        }
        await importer.CompleteAsync(ct);
        await progress.AddAsync(rows % ProgressEvery, ct);
        return rows;
    }

    /// <summary>The rows extracted so far over all tables, as the run's progress.</summary>
    private sealed class Progress(IRunCheckpoint checkpoint)
    {
        private long _rows;

        public Task AddAsync(long rows, CancellationToken ct) =>
            rows == 0 ? Task.CompletedTask : checkpoint.ProgressAsync(PipelineStep.Extract, Interlocked.Add(ref _rows, rows), ct);
    }

    /// <summary>
    /// The rows in <paramref name="work"/> so far, without reading it: the identity that numbers them is new with the
    /// table and moves by one a row in this transaction, so its last value is the count.
    /// </summary>
    private static async Task<long> NumberedAsync(NpgsqlConnection conn, string work, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence(@t, '_row')), 0)", conn);
        cmd.Parameters.AddWithValue("t", work);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>While a source is copied straight through, its progress is read from PostgreSQL's own COPY progress view.</summary>
    private async Task ReportCopyProgressAsync(Progress progress, int backend, long[] copied, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ProgressInterval, ct);
                await using var cmd = dataSource.CreateCommand("SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = @pid");
                cmd.Parameters.AddWithValue("pid", backend);
                if (await cmd.ExecuteScalarAsync(ct) is long n && n > Interlocked.Read(ref copied[0]))
                    await progress.AddAsync(n - Interlocked.Exchange(ref copied[0], n), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        // Progress is for the screen; failing to show it must not fail the extraction.
        catch (NpgsqlException) { }
    }
}
