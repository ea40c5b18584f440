using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// Keeps, during the Anonymize step, what the anonymization is about to overwrite and the utility measures need
/// afterwards: the figures of numeric columns that are perturbed or generalized to intervals (one aggregate query), and
/// the values of permuted columns by record (a scratch copy of the record id and those columns, dropped after counting
/// the records whose value moved). The anonymization itself is left untouched.
/// </summary>
internal sealed class AnonymizationBaseline
{
    private readonly List<ColumnBaseline> _numbers;
    private readonly IReadOnlyList<string> _permuted;
    private readonly string? _scratch;

    private AnonymizationBaseline(List<ColumnBaseline> numbers, IReadOnlyList<string> permuted, string? scratch) =>
        (_numbers, _permuted, _scratch) = (numbers, permuted, scratch);

    public static async Task<AnonymizationBaseline> BeforeAsync(NpgsqlConnection conn, string schema, ResolvedTable table, CancellationToken ct)
    {
        var numbers = table.Columns.Where(c => c.Anonymization is { } a && (
            c.Type is FieldType.Integer or FieldType.Double
                && (a.Parameters is PerturbationParameters { Distribution: not null } || a.Parameters is GeneralizationParameters { Width: not null })
            || c.Type is FieldType.Date or FieldType.DateTime && a.Parameters is GeneralizationParameters { Truncate: not null }
            || a.Parameters is GeneralizationParameters { Groups: not null })).ToList();
        var permuted = table.Columns.Where(c => c.Anonymization?.Parameters is PermutationParameters).Select(c => c.Name).ToList();
        var from = Sql.Table(schema, table.Name);
        var measured = new List<ColumnBaseline>();
        if (numbers.Count > 0)
        {
            var parts = numbers.Select(c => Grouped(c)
                ? $"count({Sql.Ident(c.Name)}), NULL::float8, NULL::float8, NULL::float8, count(DISTINCT {Sql.Ident(c.Name)}::text)::float8"
                : $"count({V(c)}), min({V(c)}), max({V(c)}), avg({V(c)}), stddev_pop({V(c)})");
            await using var cmd = new NpgsqlCommand($"SELECT {string.Join(", ", parts)} FROM {from}", conn) { CommandTimeout = 0 };
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            for (var i = 0; i < numbers.Count; i++)
                measured.Add(Grouped(numbers[i])
                    ? new ColumnBaseline(numbers[i].Name, r.GetInt64(5 * i), null, null, null, null, Distinct: (long?)D(r, 5 * i + 4))
                    : new ColumnBaseline(numbers[i].Name, r.GetInt64(5 * i), D(r, 5 * i + 1), D(r, 5 * i + 2), D(r, 5 * i + 3), D(r, 5 * i + 4)));
        }
        string? scratch = null;
        if (permuted.Count > 0)
        {
            scratch = "__base" + Guid.NewGuid().ToString("N");
            var columns = string.Join(", ", permuted.Select(Sql.Ident).Prepend(Sql.Ident(StagingLayout.RowId)));
            await StepSql(conn, $"CREATE UNLOGGED TABLE {Sql.Table(schema, scratch)} AS SELECT {columns} FROM {from}; "
                + $"CREATE INDEX ON {Sql.Table(schema, scratch)} ({Sql.Ident(StagingLayout.RowId)})", ct);
        }
        return new AnonymizationBaseline(measured, permuted, scratch);
    }

    /// <summary>The baselines, with the moved records of each permuted column counted against the published table that holds it.</summary>
    public async Task<IReadOnlyList<ColumnBaseline>> AfterAsync(NpgsqlConnection conn, string schema, IReadOnlyList<OutboxTable> published, CancellationToken ct)
    {
        var all = new List<ColumnBaseline>(_numbers);
        if (_scratch is null) return all;
        foreach (var column in _permuted)
        {
            var holder = published.FirstOrDefault(t => t.Columns.Any(c => c.Name == column));
            if (holder is null) continue;
            await using var cmd = new NpgsqlCommand(
                $"SELECT count(*), count(*) FILTER (WHERE p.{Sql.Ident(column)} IS DISTINCT FROM s.{Sql.Ident(column)}) FROM {Sql.Table(schema, holder.Name)} p "
                + $"JOIN {Sql.Table(schema, _scratch)} s USING ({Sql.Ident(StagingLayout.RowId)})", conn) { CommandTimeout = 0 };
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            all.Add(new ColumnBaseline(column, r.GetInt64(0), null, null, null, null, r.GetInt64(1)));
        }
        await StepSql(conn, $"DROP TABLE {Sql.Table(schema, _scratch)}", ct);
        return all;
    }

    private static bool Grouped(ResolvedColumn c) => c.Anonymization!.Parameters is GeneralizationParameters { Groups: not null };

    /// <summary>The column as a number: dates and timestamps in days since 1970-01-01 (UTC).</summary>
    private static string V(ResolvedColumn c) => c.Type switch
    {
        FieldType.Date => $"({Sql.Ident(c.Name)} - DATE '1970-01-01')::float8",
        FieldType.DateTime => $"(extract(epoch FROM {Sql.Ident(c.Name)}) / 86400)::float8",
        _ => Sql.Ident(c.Name) + "::float8",
    };

    private static double? D(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToDouble(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task StepSql(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
