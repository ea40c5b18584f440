using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Measures the published output: equivalence classes over the quasi-identifiers (NULL equal to NULL) and, per
/// sensitive column, the fewest distinct values in a class, NULL counting as one value. An anatomized column is
/// measured per group of its ST table instead — counted as its records are dealt to groups, which ST's key proves
/// are distinct values (<see cref="RecordChoices.FewestInAGroup"/>), or, with too many groups to count, read from ST.
/// One aggregate query per table, nothing read row by row.
/// </summary>
internal static class PrivacyReporter
{
    /// <param name="table">The table holding the quasi-identifiers: the output table, or QIT when anatomized.</param>
    /// <param name="fewestValuesInAGroup">When anatomized, what <see cref="FewestValuesInAGroupAsync"/> measured on ST.</param>
    public static async Task<TablePrivacyReport> ReportAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan,
        string table, long suppressed, CancellationToken ct, long? fewestValuesInAGroup = null)
    {
        var qi = plan.QuasiIdentifiers;
        var inTable = plan.Sensitive.Where(c => c != plan.Anatomized).ToList();
        long classes = 0, total = 0;
        long? smallest = null;
        var reached = new Dictionary<string, long?>();
        if (qi.Count > 0 || inTable.Count > 0)
        {
            var distinct = inTable.Select(c => $"count(DISTINCT {Sql.Ident(c.Name)}) + (count(*) > count({Sql.Ident(c.Name)}))::int AS d{inTable.IndexOf(c)}");
            var outer = string.Concat(inTable.Select((_, i) => $", min(d{i})"));
            var groupBy = qi.Count > 0 ? "GROUP BY " + string.Join(", ", qi.Select(Sql.Ident)) : "";
            await using var cmd = new SqlParameters().Command(conn,
                $"SELECT count(*), min(n), coalesce(sum(n), 0){outer} FROM (SELECT {string.Join(", ", distinct.Prepend("count(*) AS n"))} "
                + $"FROM {Sql.Table(r.Schema, table)} {groupBy} HAVING count(*) > 0) x");
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            classes = reader.GetInt64(0);
            smallest = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            total = Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < inTable.Count; i++)
                reached[inTable[i].Name] = reader.IsDBNull(3 + i) ? null : Convert.ToInt64(reader.GetValue(3 + i), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (plan.Anatomized is { } a) reached[a.Name] = fewestValuesInAGroup;

        var hasQi = qi.Count > 0;
        return new TablePrivacyReport(
            r.Table,
            qi,
            plan.K,
            hasQi ? smallest : null,
            hasQi ? classes : 0,
            suppressed,
            hasQi && smallest > 0 ? 1.0 / smallest.Value : null,
            hasQi && total > 0 ? (double)classes / total : null,
            plan.Sensitive.Select(c => new SensitiveColumnReport(c.Name, c == plan.Anatomized ? plan.L : r.Privacy.L, reached.GetValueOrDefault(c.Name))).ToList());
    }

    /// <summary>
    /// The fewest distinct sensitive values in a group of an ST table (<paramref name="st"/>, schema-qualified), the l an
    /// anatomized column reached; measured as soon as ST is written, beside the writing of QIT, when its groups were too
    /// many to count as they were dealt.
    /// </summary>
    public static async Task<long?> FewestValuesInAGroupAsync(NpgsqlConnection conn, string st, CancellationToken ct)
    {
        // ST holds one row per distinct value of a group, so a group's row count is its number of distinct values.
        // Grouped by a (parallel) sort rather than a hash: ST has about as many groups as rows (docs/benchmarks.md).
        await using var sorted = await SessionSetting.SetAsync(conn, "enable_hashagg", "off", ct);
        return await new SqlParameters().ScalarAsync<long?>(conn,
            $"SELECT min(n) FROM (SELECT count(*) AS n FROM {st} GROUP BY {Sql.Ident(AnonymizationPlan.GroupId)}) x", ct);
    }
}
