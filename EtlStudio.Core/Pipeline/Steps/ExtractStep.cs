using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline.Extraction;
using EtlStudio.Core.Tasks;
using Microsoft.Extensions.Options;
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
/// <see cref="StagingLayout.Alive"/>), so their writes need no WAL — except a table the plan publishes as extracted
/// (<see cref="TablePlan.PublishedAsExtracted"/>): it is logged from the start, since WAL-logging its COPY costs less
/// than the outbox step's rewrite of it to make it logged (docs/benchmarks.md).
/// </summary>
internal sealed class ExtractStep(ExtractionSources sources, IHttpClientFactory httpClients, NpgsqlDataSource dataSource, IOptions<PipelineOptions> options)
    : IPipelineStep
{
    private const int ProgressEvery = 50_000;

    /// <summary>
    /// Row numbers each session takes from the identity at a time. One session numbers a table's rows, so they stay
    /// consecutive; drawing each from the sequence itself would be a good part of the COPY's cost.
    /// </summary>
    private const int NumbersCached = 10_000;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public PipelineStep Step => PipelineStep.Extract;

    public async Task<StepOutput> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var http = httpClients.CreateClient("connections");
        long rows = 0;
        foreach (var plan in ctx.Plan.Tables)
        {
            var (i, table) = (plan.Index, plan.Table);
            var work = ctx.T(StepContext.Work("x", i));
            var columns = string.Join(", ", table.Columns.Select(c => $"{Sql.Ident(c.Name)} {Sql.TypeOf(c.Type)}"));
            await ctx.ExecAsync($"""
                DROP TABLE IF EXISTS {work};
                CREATE {(plan.PublishedAsExtracted ? "" : "UNLOGGED ")}TABLE {work} (_row bigint GENERATED ALWAYS AS IDENTITY (CACHE {NumbersCached}), _src integer NOT NULL, {columns}, _bad_col text, _bad_reason text) {Sql.Working}
                """, ct);
            var tableStart = rows;
            var copy = $"COPY {work} (_src, {string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)))}, _bad_col, _bad_reason) FROM STDIN (FORMAT BINARY)";
            for (var s = 0; s < table.Extractions.Count; s++)
            {
                var extraction = table.Extractions[s];
                var source = await sources.GetAsync(extraction.ConnectionId, ct);
                var request = new SourceRequest(table.Name, source.Name, source.Secret, extraction, table.Columns, ctx.SampleRows, options.Value.SourceTimeout);
                if (extraction.ConnectionKind == ConnectionKind.PostgreSql)
                {
                    var before = rows;
                    using var progress = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var reporting = ReportCopyProgressAsync(ctx, ctx.Connection.ProcessID, before, progress.Token);
                    bool copied;
                    try { copied = await PostgresSourceReader.TryCopyAsync(request, s, ctx.Connection, copy, ct); }
                    finally
                    {
                        await progress.CancelAsync();
                        await reporting;
                    }
                    if (copied)
                    {
                        rows = tableStart + await NumberedAsync(ctx, work, ct);
                        await ctx.Checkpoint.ProgressAsync(PipelineStep.Extract, rows, ct);
                        continue;
                    }
                }
                var records = extraction.ConnectionKind switch
                {
                    ConnectionKind.HttpJson => HttpJsonSourceReader.ReadAsync(request, http, options.Value.MaxDocumentBytes, ct),
                    ConnectionKind.S3 => S3SourceReader.ReadAsync(request, ct),
                    _ => PostgresSourceReader.ReadAsync(request, ct),
                };
                rows = await ImportAsync(ctx, copy, table, s, records, rows, ct);
            }
            ctx.Counts.Set(StepContext.Work("x", i), rows - tableStart);
        }
        return new StepOutput(rows, rows, 0);
    }

    /// <summary>Records converted one by one to the table's types; returns the rows extracted so far.</summary>
    private static async Task<long> ImportAsync(StepContext ctx, string copy, ResolvedTable table, int source, IAsyncEnumerable<object?[]> records,
        long rows, CancellationToken ct)
    {
        await using var importer = await ctx.Connection.BeginBinaryImportAsync(copy, ct);
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
            if (rows % ProgressEvery == 0) await ctx.Checkpoint.ProgressAsync(PipelineStep.Extract, rows, ct);
        }
        await importer.CompleteAsync(ct);
        return rows;
    }

    /// <summary>
    /// The rows in <paramref name="work"/> so far, without reading it: the identity that numbers them is new with the
    /// table and moves by one a row, all drawn by this session, so the last number it drew is the count (the
    /// sequence's own last value is the end of the session's cache; NULL there means no number drawn yet).
    /// </summary>
    private static async Task<long> NumberedAsync(StepContext ctx, string work, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT CASE WHEN pg_sequence_last_value(s) IS NULL THEN 0 ELSE currval(s) END FROM pg_get_serial_sequence(@t, '_row') s
            """, ctx.Connection, ctx.Transaction);
        cmd.Parameters.AddWithValue("t", work);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>While a source is copied straight through, its progress is read from PostgreSQL's own COPY progress view.</summary>
    private async Task ReportCopyProgressAsync(StepContext ctx, int backend, long before, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ProgressInterval, ct);
                await using var cmd = dataSource.CreateCommand("SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = @pid");
                cmd.Parameters.AddWithValue("pid", backend);
                if (await cmd.ExecuteScalarAsync(ct) is long n) await ctx.Checkpoint.ProgressAsync(PipelineStep.Extract, before + n, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        // Progress is for the screen; failing to show it must not fail the extraction.
        catch (NpgsqlException) { }
    }
}
