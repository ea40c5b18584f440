using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline.Extraction;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 1: every source of every table streamed into <c>__x{i}</c> by binary COPY, typed on the way. Sources are read
/// highest priority first and rows numbered in that order (<c>_row</c>), so "the first record of a key" is the one from
/// the highest-priority source, first extracted. A value that does not convert is noted in <c>_bad_*</c> for step 2.
/// Working tables are unlogged: they are rebuilt from the sources if a server crash empties them (see
/// <see cref="StagingLayout.Alive"/>), so their writes need no WAL.
/// </summary>
internal sealed class ExtractStep(Func<Guid, CancellationToken, Task<(string Name, ConnectionSecret Secret)>> sources,
    HttpClient http, PipelineOptions options)
{
    private const int ProgressEvery = 50_000;

    public async Task<StepResult> RunAsync(StepContext ctx, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        long rows = 0;
        for (var i = 0; i < ctx.Task.Tables.Count; i++)
        {
            var table = ctx.Task.Tables[i];
            var work = StepContext.Work("x", i);
            var columns = string.Join(", ", table.Columns.Select(c => $"{Sql.Ident(c.Name)} {Sql.TypeOf(c.Type)}"));
            await ctx.ExecAsync($"DROP TABLE IF EXISTS {ctx.T(work)}; CREATE UNLOGGED TABLE {ctx.T(work)} (_row bigint NOT NULL, _src integer NOT NULL, {columns}, _bad_col text, _bad_reason text)", ct);
            var copy = $"COPY {ctx.T(work)} (_row, _src, {string.Join(", ", table.Columns.Select(c => Sql.Ident(c.Name)))}, _bad_col, _bad_reason) FROM STDIN (FORMAT BINARY)";
            await using var importer = await ctx.Connection.BeginBinaryImportAsync(copy, ct);
            var types = table.Columns.Select(c => Sql.DbTypeOf(c.Type)).ToArray();
            var values = new object?[table.Columns.Count];
            for (var s = 0; s < table.Extractions.Count; s++)
            {
                var extraction = table.Extractions[s];
                var (name, secret) = await sources(extraction.ConnectionId, ct);
                var request = new SourceRequest(table.Name, name, secret, extraction, table.Columns, ctx.SampleRows, options.SourceTimeout);
                var records = extraction.ConnectionKind == ConnectionKind.HttpJson
                    ? HttpJsonSourceReader.ReadAsync(request, http, options.MaxDocumentBytes, ct)
                    : PostgresSourceReader.ReadAsync(request, ct);
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
                    importer.Write(rows, NpgsqlDbType.Bigint);
                    importer.Write(s, NpgsqlDbType.Integer);
                    for (var c = 0; c < values.Length; c++)
                    {
                        if (values[c] is null) importer.WriteNull();
                        else importer.Write(values[c], types[c]);
                    }
                    if (badColumn is null) { importer.WriteNull(); importer.WriteNull(); }
                    else { importer.Write(badColumn, NpgsqlDbType.Text); importer.Write(badReason, NpgsqlDbType.Text); }
                    if (rows % ProgressEvery == 0) await ctx.Checkpoint.ProgressAsync(PipelineStep.Extract, rows, ct);
                }
            }
            await importer.CompleteAsync(ct);
        }
        return new StepResult(PipelineStep.Extract, rows, rows, 0, DateTimeOffset.UtcNow - started);
    }
}
