using System.Globalization;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// The privacy report computed again on a run's outbox as it stands, edits included, for the tables the run's own report
/// lists. Per table one aggregate query over its equivalence classes (NULL equal to NULL, as the run measured them) gives
/// k, classes, records, the risks, the discernibility metric and, per sensitive column kept in the table, l; an anatomized
/// column's l is counted per group of its ST table. What the run removed (suppressed, removed with their parent) and the
/// columns' figures before anonymization come from the run's report: the outbox no longer holds them.
/// </summary>
internal static class OutboxPrivacyReporter
{
    public static async Task<PrivacyReport> ReportAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, ResolvedTask task,
        PrivacyReport runReport, CancellationToken ct)
    {
        var catalog = await Outbox.OutboxCatalog.ReadAsync(conn, tx, schema, ct);
        var tables = new List<TablePrivacyReport>();
        foreach (var run in runReport.Tables)
        {
            var config = task.Tables.FirstOrDefault(t => t.Name == run.Table);
            var main = catalog.FirstOrDefault(t => t.Name == run.Table) ?? catalog.FirstOrDefault(t => t.Name == run.Table + AnonymizationPlan.QitSuffix);
            var st = catalog.FirstOrDefault(t => t.Name == run.Table + AnonymizationPlan.StSuffix);
            if (main is null) continue;
            tables.Add(await TableAsync(conn, tx, schema, run, config, main, st, ct));
        }
        return new PrivacyReport(tables);
    }

    private static async Task<TablePrivacyReport> TableAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, TablePrivacyReport run,
        ResolvedTable? config, OutboxTable main, OutboxTable? st, CancellationToken ct)
    {
        bool Has(OutboxTable t, string column) => t.Columns.Any(c => c.Name == column);
        var qi = run.QuasiIdentifiers.Where(q => Has(main, q)).ToList();
        var inTable = run.Sensitive.Where(s => Has(main, s.Column)).Select(s => s.Column).ToList();
        var distinct = inTable.Select((c, i) => $", count(DISTINCT {Sql.Ident(c)}) + (count(*) > count({Sql.Ident(c)}))::int AS d{i}");
        var groupBy = qi.Count > 0 ? "GROUP BY " + string.Join(", ", qi.Select(Sql.Ident)) : "";
        await using var cmd = new NpgsqlCommand(
            $"SELECT count(*), min(n), coalesce(sum(n), 0), coalesce(sum(n::numeric * n), 0)::float8{string.Concat(inTable.Select((_, i) => $", min(d{i})"))} "
            + $"FROM (SELECT count(*) AS n{string.Concat(distinct)} FROM {Sql.Table(schema, main.Name)} {groupBy} HAVING count(*) > 0) x", conn, tx) { CommandTimeout = 0 };
        long classes, records;
        long? smallest;
        double squares;
        var reached = new Dictionary<string, long?>(StringComparer.Ordinal);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            classes = r.GetInt64(0);
            smallest = r.IsDBNull(1) ? null : r.GetInt64(1);
            records = Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture);
            squares = r.GetDouble(3);
            for (var i = 0; i < inTable.Count; i++) reached[inTable[i]] = r.IsDBNull(4 + i) ? null : Convert.ToInt64(r.GetValue(4 + i), CultureInfo.InvariantCulture);
        }
        if (st is not null && run.Sensitive.FirstOrDefault(s => !Has(main, s.Column) && Has(st, s.Column)) is { } anatomized)
            reached[anatomized.Column] = await FewestInAGroupAsync(conn, tx, schema, st, anatomized.Column, ct);

        var removed = run.RecordsSuppressed + run.RecordsRemovedWithParent;
        var entered = run.RecordsIn ?? removed + records;
        var hasQi = qi.Count > 0;
        return run with
        {
            QuasiIdentifiers = qi,
            KReached = hasQi ? smallest : null,
            ClassCount = hasQi ? classes : 0,
            MaxRisk = hasQi && smallest > 0 ? 1.0 / smallest.Value : null,
            AverageRisk = hasQi && records > 0 ? (double)classes / records : null,
            Sensitive = run.Sensitive.Select(s => s with { LReached = reached.TryGetValue(s.Column, out var l) ? l : s.LReached }).ToList(),
            Records = records,
            RemovedShare = entered > 0 ? (double)removed / entered : null,
            MarketerRisk = hasQi && records > 0 ? (double)classes / records : null,
            // Each record costs the size of its class; a suppressed record is indistinguishable from every record that entered.
            Discernibility = hasQi ? squares + (double)run.RecordsSuppressed * entered : null,
            AverageClassSize = hasQi && classes > 0 ? (double)records / classes : null,
            Utility = config is null ? [] : await UtilityMeasures.MeasureAsync(conn, tx, schema, config, main, run.Baselines ?? [], ct),
        };
    }

    private static async Task<long?> FewestInAGroupAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, OutboxTable st, string column, CancellationToken ct)
    {
        var c = Sql.Ident(column);
        await using var cmd = new NpgsqlCommand(
            $"SELECT min(d) FROM (SELECT count(DISTINCT {c}) + (count(*) > count({c}))::int AS d FROM {Sql.Table(schema, st.Name)} GROUP BY {Sql.Ident(AnonymizationPlan.GroupId)}) x",
            conn, tx) { CommandTimeout = 0 };
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }
}
