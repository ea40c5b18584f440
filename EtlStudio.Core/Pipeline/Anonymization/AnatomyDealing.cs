using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The pass that deals an anatomized table's kept records to groups (<see cref="Anatomy"/>): each value's records, in
/// the order they are read, ranked by a random permutation of their positions (<see cref="ValueRankings"/>), and each
/// record's group worked out from its value's block and rank. It writes the groups table (value number, frequency,
/// group, noise draws, the shuffles held in memory) and, where the strategy says so, ST and QIT themselves.
/// </summary>
internal static class AnatomyDealing
{
    /// <summary>The tables the pass writes besides the groups: ST (when dealt) and QIT (when dealt, with its writer).</summary>
    public sealed record Outputs(string? St, DealtQit? Qit, string? QitTable);

    /// <param name="uniforms">The noise draws this process computes: each purpose and the column that holds it.</param>
    /// <param name="kept">When given, the records dealt to a group are added to it (for a shuffle across the table after).</param>
    /// <param name="groupSizes">When given, each group's records are counted into it, by group number.</param>
    public static async Task DealAsync(TableScope s, Anatomy anatomy, bool sorted, IReadOnlyList<(string Purpose, string Name)> uniforms, RowSet? kept,
        HeldShuffle? held, int[]? groupSizes, string table, Outputs outputs, CancellationToken ct)
    {
        var (r, plan) = (s.Request, s.Plan);
        var qit = outputs.Qit;
        // QIT's columns come as COPY sends them, to be passed on as they are.
        var p = qit is null ? new SqlParameters() : SqlParameters.ForCopy();
        var rows = qit is null ? PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers.Append(anatomy.Sensitive.Name), storageOrder: sorted)
            : PublishedRows.Unperturbed(r, plan, p, storageOrder: sorted);
        var columns = new List<OutboxColumn> { new(StagingLayout.RowId, FieldType.Integer) };
        columns.AddRange(uniforms.Select(u => new OutboxColumn(u.Name, FieldType.Double)));
        columns.AddRange(Anatomy.ChoiceNames.Select(n => new OutboxColumn(n, FieldType.Integer)));
        columns.AddRange(held?.ChoiceColumns ?? []);
        using var random = s.Random(Anatomy.Purpose(anatomy.Sensitive.Name));
        using var draws = new NoiseDraws(r, uniforms.Select(u => u.Purpose));
        var rankings = new ValueRankings(random, sorted);
        // The order the records come in is their position within their value: one plan, one process, no parallel scan
        // starting elsewhere, so the same table and seed give the same groups.
        await using var serial = await SessionSetting.SetAsync(s.Connection, "max_parallel_workers_per_gather", "0", ct);
        await using var fromStart = await SessionSetting.SetAsync(s.Connection, "synchronize_seqscans", "off", ct);
        List<ChoicePipe.Target> targets = [new(table, columns)];
        if (outputs.St is not null) targets.Add(new(outputs.St, anatomy.StTableColumns, Published: true));
        if (qit is not null) targets.Add(new(outputs.QitTable!, qit.Columns, Published: true));
        await ChoicePipe.RunAsync(s.Connection, s.Side, r.Table, p, anatomy.Records(p, plan, rows, s.Small, sorted, qit?.Read), targets, 4, false, input =>
        {
            var (row, vid, f, start) = (input.Longs[0], input.Longs[1], input.Longs[2], input.Longs[3]);
            var n = input.Count;
            var rank = rankings.Rank(vid, f, n);
            var u = draws.For(row, n);
            // Each record's group, 0 over the cap.
            var group = new long[n];
            for (var i = 0; i < n; i++)
                if (anatomy.Group(start[i], rank[i] + 1) is { } g)
                {
                    group[i] = g;
                    if (groupSizes is not null) groupSizes[g]++;
                    if (kept is not null) RecordChoices.Keep(r, kept, row[i]);
                }
            Action<BinaryCopyRows> choices = output =>
            {
                for (var i = 0; i < n; i++)
                {
                    // With QIT dealt, only the records over the cap, for their rejects.
                    if (qit is not null && group[i] > 0) continue;
                    output.StartRow(columns.Count);
                    output.Write(row[i]);
                    foreach (var d in u) output.Write(d[i]);
                    output.Write(vid[i]);
                    output.Write(f[i]);
                    if (group[i] > 0) output.Write(group[i]);
                    else output.WriteNull();
                    held?.Write(output, row[i]);
                }
            };
            List<Action<BinaryCopyRows>> writes = [choices];
            if (outputs.St is not null)
                writes.Add(output =>
                {
                    for (var i = 0; i < n; i++)
                        if (group[i] > 0) anatomy.WriteStRow(output, group[i], vid[i]);
                });
            if (qit is not null)
                writes.Add(output =>
                {
                    for (var i = 0; i < n; i++)
                        if (group[i] > 0) qit.Write(output, row[i], input.Raw(i), group[i], u, i, held);
                    input.ReturnRaw();
                });
            return [.. writes];
        }, ct, copyOut: qit is not null);
    }
}
