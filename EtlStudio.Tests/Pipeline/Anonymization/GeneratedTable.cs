using System.Globalization;
using System.Text;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>
/// Generated input for the equivalence tests: a column of every type, NULLs in each, duplicates throughout, a few
/// unique zip codes (classes smaller than k) and a disease of a chosen share (over the anatomy's cap when above 1/l).
/// </summary>
public static class GeneratedTable
{
    /// <summary>The columns, in order, each plain unless <paramref name="methods"/> gives it a method (and flags).</summary>
    public static IReadOnlyList<ResolvedColumn> Columns(params (string Name, Func<string, FieldType, ResolvedColumn> Column)[] methods)
    {
        (string, FieldType)[] all =
        [
            ("zip", FieldType.String), ("age", FieldType.Integer), ("disease", FieldType.String), ("income", FieldType.Double), ("born", FieldType.Date),
            ("score", FieldType.Integer), ("ratio", FieldType.Double), ("ok", FieldType.Boolean), ("at", FieldType.DateTime), ("note", FieldType.String),
        ];
        return all.Select(c => methods.FirstOrDefault(m => m.Name == c.Item1).Column?.Invoke(c.Item1, c.Item2)
            ?? Anonymization.Columns.Plain(c.Item1, c.Item2)).ToList();
    }

    /// <summary>A VALUES list of <paramref name="n"/> rows (<c>_row</c> 1 … n, then the columns), the same for the same seed.</summary>
    public static string Rows(int n, int seed, double commonShare)
    {
        var rnd = new Random(seed);
        string? Maybe(int oneIn, Func<string> value) => rnd.Next(oneIn) == 0 ? null : value();
        var sb = new StringBuilder("VALUES ");
        for (var g = 1; g <= n; g++)
        {
            string?[] values =
            [
                Maybe(40, () => rnd.Next(50) == 0 ? $"'z{g}'" : $"'{rnd.Next(5)}'"),
                Maybe(15, () => (18 + rnd.Next(60)).ToString(CultureInfo.InvariantCulture)),
                rnd.NextDouble() < commonShare ? "'flu'" : Maybe(25, () => $"'d{rnd.Next(9)}'"),
                Maybe(12, () => (Math.Round(rnd.NextDouble() * 600 - 50, 2)).ToString("R", CultureInfo.InvariantCulture)),
                Maybe(17, () => $"DATE '1950-01-01' + {rnd.Next(20000)}"),
                Maybe(19, () => rnd.Next(100).ToString(CultureInfo.InvariantCulture)),
                Maybe(11, () => (rnd.Next(50) / 7.0).ToString("R", CultureInfo.InvariantCulture)),
                Maybe(9, () => rnd.Next(2) == 0 ? "true" : "false"),
                Maybe(13, () => $"TIMESTAMPTZ '2024-01-01 00:00:00+00' + {rnd.Next(500_000)} * INTERVAL '1 minute 0.5 second'"),
                Maybe(10, () => $"'n{rnd.Next(30)}'"),
            ];
            sb.Append(g == 1 ? "" : ", ").Append('(').Append(g).Append(", ").Append(string.Join(", ", values.Select(v => v ?? "NULL"))).Append(')');
        }
        return sb.ToString();
    }
}
