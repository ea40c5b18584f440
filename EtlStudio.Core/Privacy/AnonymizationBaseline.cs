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
        var numbers = table.Columns.Where(c => c.Type is FieldType.Integer or FieldType.Double && c.Anonymization is { } a
            && (a.Parameters is PerturbationParameters { Distribution: not null } || a.Parameters is GeneralizationParameters { Width: not null })).ToList();
        var permuted = table.Columns.Where(c => c.Anonymization?.Parameters is PermutationParameters).Select(c => c.Name).ToList();
        var from = Sql.Table(schema, table.Name);
        var measured = new List<ColumnBaseline>();
        if (numbers.Count > 0)
        {
            var parts = numbers.Select(c => $"count({V(c.Name)}), min({V(c.Name)}), max({V(c.Name)}), avg({V(c.Name)}), stddev_pop({V(c.Name)})");
            await using var cmd = new NpgsqlCommand($"SELECT {string.Join(", ", parts)} FROM {from}", conn) { CommandTimeout = 0 };
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            for (var i = 0; i < numbers.Count; i++)
                measured.Add(new ColumnBaseline(numbers[i].Name, r.GetInt64(5 * i), D(r, 5 * i + 1), D(r, 5 * i + 2), D(r, 5 * i + 3), D(r, 5 * i + 4)));
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

    private static string V(string column) => Sql.Ident(column) + "::float8";

    private static double? D(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToDouble(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task StepSql(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
