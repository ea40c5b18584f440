using System.Globalization;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// What each anonymized column of a table cost, measured on the outbox as it stands with one aggregate query per column
/// (see <see cref="ColumnUtility"/>). A generalized number's interval (<c>30-39</c>, <c>[0.3,0.4)</c>) is read back from
/// its text: its width over the column's range — the range rule's bounds, else the values' range kept by the run — is
/// its information loss; a value edited back to a plain number has lost nothing. A masked prefix loses its masked share.
/// </summary>
internal static class UtilityMeasures
{
    public static async Task<IReadOnlyList<ColumnUtility>> MeasureAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, ResolvedTable table,
        OutboxTable? main, IReadOnlyList<ColumnBaseline> baselines, CancellationToken ct)
    {
        var measured = new List<ColumnUtility>();
        foreach (var c in table.Columns.Where(c => c.Anonymization is not null))
        {
            var baseline = baselines.FirstOrDefault(b => b.Column == c.Name);
            // The column's published values as v, when the table that publishes it holds it.
            var published = main is not null && main.Columns.Any(x => x.Name == c.Name) ? $"SELECT {Sql.Ident(c.Name)}{{0}} AS v FROM {Sql.Table(schema, main.Name)}" : null;
            var method = c.Anonymization!.Method.ToString();
            measured.Add(c.Anonymization.Parameters switch
            {
                GeneralizationParameters { Width: not null } when published is not null && Range(c, baseline) is { } range =>
                    new ColumnUtility(c.Name, method, InformationLoss: await ScalarAsync(conn, tx, $"""
                        SELECT avg(least(1.0, coalesce(
                            (SELECT (m[2]::numeric - m[1]::numeric + 1) FROM regexp_match(v, '^(-?[0-9]+)-(-?[0-9]+)$') m WHERE m IS NOT NULL),
                            (SELECT (m[2]::numeric - m[1]::numeric) FROM regexp_match(v, '^\[(-?[0-9.eE+-]+),(-?[0-9.eE+-]+)\)$') m WHERE m IS NOT NULL),
                            0) / @range))::float8
                        FROM ({string.Format(CultureInfo.InvariantCulture, published, "::text")}) x WHERE v IS NOT NULL
                        """, ct, range),
                        Note: $"Normalized certainty penalty: interval width over the range {range.ToString(CultureInfo.InvariantCulture)} (0 = exact, 1 = nothing left)."),
                GeneralizationParameters { PrefixLength: not null } when published is not null =>
                    new ColumnUtility(c.Name, method, InformationLoss: await ScalarAsync(conn, tx,
                        $"SELECT avg((length(v) - length(rtrim(v, '*')))::float8 / nullif(length(v), 0)) FROM ({string.Format(CultureInfo.InvariantCulture, published, "")}) x WHERE v IS NOT NULL", ct),
                        Note: "Share of each value's characters masked (0 = exact, 1 = nothing left)."),
                GeneralizationParameters { Truncate: { } unit } when published is not null && Range(c, baseline) is { } days =>
                    new ColumnUtility(c.Name, method, InformationLoss: await ScalarAsync(conn, tx, $"""
                        SELECT avg(least(1.0, (extract(epoch FROM (v + interval '1 {Unit(unit)}') - v) / 86400)::numeric / @range))::float8
                        FROM ({string.Format(CultureInfo.InvariantCulture, published, c.Type == FieldType.Date ? "::timestamp" : " AT TIME ZONE 'UTC'")}) x WHERE v IS NOT NULL
                        """, ct, days),
                        Note: $"Normalized certainty penalty: the days of each value's {Unit(unit)} over the range of {days.ToString("0.##", CultureInfo.InvariantCulture)} days (0 = exact, 1 = nothing left)."),
                GeneralizationParameters { Groups: { } groups } when published is not null && baseline is { Distinct: > 0 } b =>
                    new ColumnUtility(c.Name, method, InformationLoss: await GroupLossAsync(conn, tx, published, groups, b.Distinct!.Value, ct),
                        Note: $"Normalized certainty penalty: the values a group stands for over the column's {b.Distinct} distinct values; '*' (unmapped) loses everything."),
                GeneralizationParameters => new ColumnUtility(c.Name, method, Note: "Generalized to coarser values; no range to measure the loss against."),
                PerturbationParameters { Distribution: not null } when published is not null && baseline is not null =>
                    await PerturbedAsync(conn, tx, c, published, baseline, method, ct),
                PerturbationParameters => new ColumnUtility(c.Name, method, Note: "Values shifted by noise; no figures from before the noise to compare with."),
                PermutationParameters => new ColumnUtility(c.Name, method, InformationLoss: 0,
                    MovedShare: baseline is { Moved: { } moved, Count: > 0 } ? (double)moved / baseline.Count : null,
                    Note: "Every value is still there (nothing lost in the column itself); the share is the records now carrying another record's value."),
                SuppressionParameters => new ColumnUtility(c.Name, method, InformationLoss: 1, Note: "Every value replaced: nothing of the column is published."),
                AnatomizationParameters => new ColumnUtility(c.Name, method, InformationLoss: 0,
                    Note: "Values published exactly, apart from the quasi-identifiers: linked to a group of records, not to one."),
                _ => new ColumnUtility(c.Name, method),
            });
        }
        return measured;
    }

    private static async Task<ColumnUtility> PerturbedAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, ResolvedColumn c, string published,
        ColumnBaseline before, string method, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT avg(v)::float8, stddev_pop(v)::float8 FROM ({string.Format(CultureInfo.InvariantCulture, published, "::float8")}) x", conn, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new ColumnUtility(c.Name, method, MeanBefore: before.Mean, MeanAfter: r.IsDBNull(0) ? null : r.GetDouble(0),
            StdDevBefore: before.StdDev, StdDevAfter: r.IsDBNull(1) ? null : r.GetDouble(1),
            Note: "Mean and standard deviation before the noise and as published: the shift is what the noise cost.");
    }

    /// <summary>The loss of a value→group map, per published value: the original values its group stands for over all of them.</summary>
    private static async Task<double?> GroupLossAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string published, IReadOnlyDictionary<string, string> groups,
        long distinct, CancellationToken ct)
    {
        var loss = groups.GroupBy(g => g.Value).ToDictionary(g => g.Key, g => (double)g.Count() / distinct);
        return await ScalarAsync(conn, tx, $"""
            SELECT avg(CASE WHEN v = '*' THEN 1.0 ELSE least(1.0, coalesce((@loss::jsonb ->> v)::float8, 0)) END)::float8
            FROM ({string.Format(CultureInfo.InvariantCulture, published, "::text")}) x WHERE v IS NOT NULL
            """, ct, bind: p => p.AddWithValue("loss", NpgsqlTypes.NpgsqlDbType.Jsonb, System.Text.Json.JsonSerializer.Serialize(loss)));
    }

    private static string Unit(DateTruncation unit) => unit.ToString().ToLowerInvariant();

    /// <summary>
    /// The column's range: its range rule's bounds, else the range of its values before anonymization; null when empty or
    /// a point. Dates and timestamps in days.
    /// </summary>
    internal static double? Range(ResolvedColumn c, ColumnBaseline? baseline)
    {
        var rule = c.RangeRule?.Settings;
        if (c.Type is FieldType.Date or FieldType.DateTime)
        {
            if (DateTime.TryParse(rule?.MinValue, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var from)
                && DateTime.TryParse(rule?.MaxValue, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var to) && to > from)
                return (to - from).TotalDays;
            return baseline is { Min: { } first, Max: { } last } && last > first ? last - first : null;
        }
        if (double.TryParse(rule?.MinValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var lo)
            && double.TryParse(rule?.MaxValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var hi) && hi > lo)
            return hi - lo;
        return baseline is { Min: { } min, Max: { } max } && max > min ? max - min : null;
    }

    private static async Task<double?> ScalarAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct, double? range = null,
        Action<NpgsqlParameterCollection>? bind = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        if (range is { } r) cmd.Parameters.AddWithValue("range", (decimal)r);
        bind?.Invoke(cmd.Parameters);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is null or DBNull ? null : Convert.ToDouble(value, CultureInfo.InvariantCulture);
    }
}
