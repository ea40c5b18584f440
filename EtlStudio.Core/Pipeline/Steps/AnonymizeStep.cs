using System.Text.Json;
using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Step 6 (feature 7): each task table with anonymized, quasi-identifier or sensitive columns goes through the
/// <see cref="TableAnonymizer"/>; every task table is then listed in the outbox catalog with its final columns and
/// types, and the privacy report is kept with the step.
/// </summary>
internal static class AnonymizeStep
{
    public static async Task<(StepResult Result, PrivacyReport Report)> RunAsync(StepContext ctx, TableAnonymizer anonymizer, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        long rowsIn = 0, rowsOut = 0, rejected = 0;
        var reports = new List<TablePrivacyReport>();
        await ctx.ExecAsync($"DELETE FROM {ctx.T(StagingLayout.Catalog)}", ct);
        for (var i = 0; i < ctx.Task.Tables.Count; i++)
        {
            var table = ctx.Task.Tables[i];
            IReadOnlyList<OutboxTable> tables;
            if (table.Columns.Any(c => c.Anonymization is not null || c.QuasiIdentifier || c.Sensitive))
            {
                var result = await anonymizer.ApplyAsync(ctx.Connection,
                    new AnonymizationRequest(ctx.Schema, table.Name, table.Columns, table.PrimaryKey, ctx.Task.Privacy, ctx.Seed, i,
                        ctx.Counts.TryGet(table.Name, out var known) ? known : null), ct, ctx.Side);
                // QIT and ST hold a row per published record, like a table published whole.
                foreach (var t in result.Tables) ctx.Counts.Set(t.Name, result.RowsOut);
                (rowsIn, rowsOut, rejected) = (rowsIn + result.RowsIn, rowsOut + result.RowsOut, rejected + result.RowsRejected);
                reports.Add(result.Report);
                tables = result.Tables;
            }
            else
            {
                var n = await ctx.CountAsync(table.Name, ct);
                (rowsIn, rowsOut) = (rowsIn + n, rowsOut + n);
                tables = [new OutboxTable(table.Name, i, table.Columns.Select(c => new OutboxColumn(c.Name, c.Type)).ToList(), table.PrimaryKey, table.Name)];
            }
            foreach (var t in tables) await OutboxCatalogWriter.AddAsync(ctx, t, ct);
        }
        return (new StepResult(PipelineStep.Anonymize, rowsIn, rowsOut, rejected, DateTimeOffset.UtcNow - started), new PrivacyReport(reports));
    }
}
