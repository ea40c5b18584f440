using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The anonymization step of one staged table (DESIGN §5.6), all in set-based SQL inside PostgreSQL: generalization
/// and value suppression, then perturbation (one rewrite of the table), then k-anonymity by removing records of small
/// classes, then permutation, then anatomization (permutation and anatomization share one final write); finally the
/// privacy report on what is published. Stateless; the
/// caller owns the connection (and any transaction). Every random choice derives from <see cref="AnonymizationRequest.Seed"/>.
/// </summary>
public sealed class TableAnonymizer
{
    /// <summary>Memory per sort or hash while the step runs; a few of them at once, one step per connection.</summary>
    private const string WorkMemory = "64MB";

    public async Task<AnonymizationResult> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest request, CancellationToken ct)
    {
        var plan = AnonymizationPlan.For(request);
        await using var memory = await SessionSetting.RaiseAsync(conn, "work_mem", WorkMemory, ct);
        await AnonymizationRejects.ClearAsync(conn, request, ct);
        var rowsIn = await CountAsync(conn, Sql.Table(request.Schema, request.Table), ct);
        var columns = request.Columns.Select(c => new OutboxColumn(c.Name, c.Type)).ToList();

        // The table's last rewrite writes it logged, as the outbox keeps it; the ones before are unlogged working copies.
        // The draws permutation and anatomization will need are made by this rewrite too, from the same hashes.
        RowDraws? draws = null;
        if (plan.RowLocal.Count > 0)
        {
            var carried = plan.Permuted.Select(x => ColumnPermutation.Purpose(x.Column.Name)).Concat(plan.Anatomized is { } a ? [Anatomy.Purpose(a.Name)] : []).ToList();
            draws = await RowLocalPhase.ApplyAsync(conn, request, plan, columns, carried, logged: plan.Permuted.Count == 0 && plan.Anatomized is null, ct);
        }
        long suppressed = 0;
        if (plan.K is { } k && plan.QuasiIdentifiers.Count > 0)
            suppressed = await KAnonymityFilter.ApplyAsync(conn, request, plan.QuasiIdentifiers, k, columns, draws, ct);
        var permutation = plan.Permuted.Count > 0 ? await ColumnPermutation.PlanAsync(conn, request, plan, draws, ct) : null;

        if (plan.Anatomized is { } sensitive)
        {
            // The permuted values go straight into QIT, the table's one write after generalization.
            var anatomy = await Anatomy.ApplyAsync(conn, request, sensitive, plan.L!.Value, columns, permutation, draws, ct);
            var split = await PrivacyReporter.ReportAsync(conn, request, plan, anatomy.Qit.Name, anatomy.St.Name, suppressed, ct);
            var rejected = suppressed + anatomy.Rejected;
            return new([anatomy.Qit, anatomy.St], rowsIn, rowsIn - rejected, rejected, split);
        }

        if (permutation is not null) await permutation.ApplyAsync(conn, request, columns, logged: true, ct);
        var report = await PrivacyReporter.ReportAsync(conn, request, plan, request.Table, null, suppressed, ct);
        var rowsOut = rowsIn - suppressed;
        return new([new OutboxTable(request.Table, request.Ordinal, columns, request.PrimaryKey, request.Table)], rowsIn, rowsOut, suppressed, report);
    }

    private static async Task<long> CountAsync(NpgsqlConnection conn, string table, CancellationToken ct) =>
        await new SqlParameters().ScalarAsync<long>(conn, $"SELECT count(*) FROM {table}", ct);
}
