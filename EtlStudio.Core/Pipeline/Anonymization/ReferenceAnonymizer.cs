using EtlStudio.Core.Scripts;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The reference path: one table's anonymization as plain set-based SQL, one statement per rule of
/// <c>docs/architecture.md#anonymization</c>, to be read against it. It publishes what <see cref="TableAnonymizer"/>
/// publishes, row for row (the equivalence tests hold the two to it): the random draws come from the same keyed
/// primitives (<see cref="ReferenceDraws"/>), everything done with them is SQL. Not tuned: it writes a table per phase.
/// </summary>
internal sealed class ReferenceAnonymizer
{
    public async Task<AnonymizationResult> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, CancellationToken ct)
    {
        var plan = AnonymizationPlan.For(r);
        var phases = new ReferencePhases(conn, r, plan);
        await AnonymizationRejects.ClearAsync(conn, r, ct);
        var rowsIn = await new SqlParameters().ScalarAsync<long>(conn, $"SELECT count(*) FROM {phases.Source}", ct);

        // 1. Every record's published values (generalization, value suppression, perturbation), with its storage position.
        var published = await phases.PublishAsync(ct);
        // 2. k-anonymity: the records of equivalence classes smaller than k are filed as rejects and left out.
        var (kept, suppressed) = await phases.SuppressSmallClassesAsync(published.Table, ct);
        // 3. Anatomy: the kept records dealt to groups; the records over the cap filed as rejects and left out.
        ReferenceAnatomy.Dealt? anatomy = null;
        if (plan.Anatomized is not null)
        {
            anatomy = await new ReferenceAnatomy(phases).DealAsync(kept, ct);
            kept = anatomy.Kept;
        }
        // 4. Permutation: each permuted column's values shuffled among the records kept, across the table or within classes.
        var shuffled = await phases.ShuffleAsync(kept, ct);

        // 5. The published table, or QIT and ST, in the staged table's place; then the privacy report on it.
        var rejected = suppressed + (anatomy?.Rejected ?? 0);
        var from = kept + " k" + string.Concat(shuffled.Select((x, i) => $" JOIN {x.Value.Table} x{i} USING ({Sql.Ident(StagingLayout.RowId)})"));
        var values = shuffled.Select((x, i) => (x.Key, $"x{i}.{x.Value.Column}")).ToDictionary(x => x.Key, x => x.Item2);
        if (anatomy is null)
        {
            await phases.WriteAsync(r.Table, published.Columns, values, from, ct);
            await phases.PlaceAsync(ct);
            var report = await PrivacyReporter.ReportAsync(conn, r, plan, r.Table, suppressed, ct);
            return new([new OutboxTable(r.Table, r.Ordinal, published.Columns, r.PrimaryKey, r.Table)], rowsIn, rowsIn - rejected, rejected, report);
        }
        var sensitive = plan.Anatomized!;
        var (qit, st) = (r.Table + AnonymizationPlan.QitSuffix, r.Table + AnonymizationPlan.StSuffix);
        var qitColumns = Anatomy.QitColumnsOf(published.Columns, sensitive);
        values[AnonymizationPlan.GroupId] = "k.grp";
        await phases.WriteAsync(qit, qitColumns, values, from, ct, keyed: true);
        await phases.WriteAsync(st, Anatomy.StColumnsOf(sensitive), new Dictionary<string, string>
        {
            // One row per record: a group holds each of its values once, so every (group, value) counts 1; the pair numbers the row.
            [StagingLayout.RowId] = $"(k.grp - 1) * {anatomy.Values} + k.vid",
            [AnonymizationPlan.GroupId] = "k.grp",
            [AnonymizationPlan.Count] = "1",
        }, kept + " k", ct, keyed: true);
        await phases.PlaceAsync(ct);
        var fewest = await PrivacyReporter.FewestValuesInAGroupAsync(conn, Sql.Table(r.Schema, st), ct);
        var split = await PrivacyReporter.ReportAsync(conn, r, plan, qit, suppressed, ct, fewest);
        return new([new OutboxTable(qit, r.Ordinal, qitColumns, r.PrimaryKey, r.Table),
                    new OutboxTable(st, r.Ordinal, Anatomy.StColumnsOf(sensitive), null, r.Table)], rowsIn, rowsIn - rejected, rejected, split);
    }
}
