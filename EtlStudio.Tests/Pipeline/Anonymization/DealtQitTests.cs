using System.Globalization;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;
using Npgsql;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>
/// QIT written as the records are dealt (DealtQit) perturbs values in this process (ProcessNoise) with PostgreSQL's
/// arithmetic: the same bits as the query's expression on edge values, the same failures, and the query where this
/// process cannot follow PostgreSQL. (That the whole QIT equals the reference path's: AnonymizationEquivalenceTests.)
/// </summary>
public sealed class DealtQitTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private const string Rows = """
        SELECT g, CASE WHEN g = 5 THEN 'z' ELSE (g % 7)::text END, 20 + g % 50, CASE WHEN g = 3 THEN 'rare' WHEN g % 2 = 0 THEN 'flu' WHEN g % 11 = 0 THEN NULL ELSE 'd' || (g % 9) END,
               CASE WHEN g % 13 = 0 THEN NULL ELSE g * 1.5 END, CASE WHEN g % 17 = 0 THEN NULL ELSE date '2020-01-01' + g END,
               CASE WHEN g % 19 = 0 THEN NULL ELSE g % 40 END, g * 7 % 101
        FROM generate_series(1, 400) g
        """;

    /// <param name="permuted">Whether rank is permuted: with records over the cap, a permuted table is dealt by the query (issue 24).</param>
    private static IReadOnlyList<ResolvedColumn> Table(FieldType bornType, AnonymizationParameters born, bool permuted = true) =>
    [
        Plain("zip", FieldType.String, qi: true),
        With("age", FieldType.Integer, new GeneralizationParameters(10, null, null, null), qi: true),
        With("disease", FieldType.String, new AnatomizationParameters(3), sensitive: true),
        With("income", FieldType.Double, new PerturbationParameters(NoiseDistribution.Laplace, 40, null), min: "0", max: "500"),
        With("born", bornType, born, min: "2020-01-10"),
        With("score", FieldType.Integer, new PerturbationParameters(NoiseDistribution.Gaussian, 3, null), min: "0", max: "40"),
        permuted ? With("rank", FieldType.Integer, new PermutationParameters(false)) : Plain("rank", FieldType.Integer),
    ];

    [Fact]
    public async Task Qit_WithADateTimeShift_IsWrittenByTheQuery()
    {
        // PostgreSQL adds a DateTime's days in the session's time zone, which this process does not follow.
        var t = await StagedTable.CreateAsync(db.ConnectionString, Table(FieldType.DateTime, new PerturbationParameters(null, null, 2)),
            Rows.Replace("date '2020-01-01' + g", "timestamptz '2020-01-01 00:00:00+00' + g * interval '1 day'"));
        var result = await t.AnonymizeAsync(11, new PrivacySettings(4, null, null));
        Assert.Equal(AnonymizationStrategy.Writing.Query, result.Strategy!.Qit);
        Assert.Equal(AnonymizationStrategy.Writing.Dealt, result.Strategy.St);
    }

    [Theory]
    [InlineData(FieldType.Double, NoiseDistribution.Laplace, null, null)]
    [InlineData(FieldType.Double, NoiseDistribution.Gaussian, "-10", "1000")]
    [InlineData(FieldType.Double, NoiseDistribution.Laplace, "0", null)]
    [InlineData(FieldType.Integer, NoiseDistribution.Laplace, "-5", "50")]
    [InlineData(FieldType.Integer, NoiseDistribution.Gaussian, null, null)]
    [InlineData(FieldType.Date, null, "1999-12-01", "2000-02-01")]
    [InlineData(FieldType.Date, null, null, null)]
    public async Task ProcessNoise_PublishesWhatTheQueryPublishes_OnEdgeValues(FieldType type, NoiseDistribution? distribution, string? min, string? max)
    {
        var column = With("v", type, distribution is null ? new PerturbationParameters(null, null, 30) : new PerturbationParameters(distribution, type == FieldType.Integer ? 7 : 1e5, null),
            min: min, max: max);
        string[] values = type switch
        {
            FieldType.Double => ["0", "'-0'", "1.5", "-2.75", "1e300", "-1e-300", "5e-324", "'NaN'", "'Infinity'", "'-Infinity'", "NULL", "123456.789", "-10", "1000"],
            FieldType.Integer => ["0", "1", "-1", "50", "-5", "9007199254740993", "-9007199254740993", "4611686018427387904", "NULL"],
            _ => ["'2000-01-01'", "'1727-09-15'", "'infinity'", "'-infinity'", "'2024-02-29'", "NULL", "'1999-12-01'"],
        };
        double[] uniforms = [0.5, 1.1102230246251565e-16, 0.9999999999999999, 0.25, 0.123456789, 0.75, 0.4999999999999999, 0.6180339887];
        var rows = new List<(string V, double U0, double U1)>();
        foreach (var v in values)
            for (var k = 0; k < uniforms.Length; k++) rows.Add((v, uniforms[k], uniforms[(k + 3) % uniforms.Length]));

        var p = SqlParameters.ForCopy();
        var (expression, _) = ValueRewrite.For(column, p, purpose => purpose.EndsWith("gauss2") ? "u1" : "u0");
        var input = string.Join(", ", rows.Select((r, i) =>
            $"({i}, {r.V}::{Sql.TypeOf(type)}, {r.U0.ToString("R", CultureInfo.InvariantCulture)}::float8, {r.U1.ToString("R", CultureInfo.InvariantCulture)}::float8)"));
        var byQuery = new List<byte[]>();
        var inputs = new List<(byte[] Value, bool IsNull)>();
        await using (var conn = new NpgsqlConnection(db.ConnectionString))
        {
            await conn.OpenAsync();
            await p.CopyOutAsync(conn, $"SELECT s.v, ({expression})::{Sql.TypeOf(type)} FROM (VALUES {input}) AS s (ord, v, u0, u1) ORDER BY ord", async stream =>
            {
                var reader = new BinaryCopyReader(stream);
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    inputs.Add((reader.Value(0).ToArray(), reader.IsNull(0)));
                    byQuery.Add(reader.Fields(1).ToArray());
                }
            }, CancellationToken.None);
        }

        var noise = ProcessNoise.For(column, purpose => purpose.EndsWith("gauss2") ? 1 : 0)!;
        double[][] u = [[.. rows.Select(r => r.U0)], [.. rows.Select(r => r.U1)]];
        Assert.Equal(rows.Count, byQuery.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var output = new BinaryCopyRows();
            noise.Write(output, inputs[i].Value, inputs[i].IsNull, u, i);
            Assert.True(byQuery[i].AsSpan().SequenceEqual(output.Written.Span), $"{rows[i]}: the query gives {Convert.ToHexString(byQuery[i])}, this process {Convert.ToHexString(output.Written.Span)}");
        }
    }

    [Fact]
    public async Task ProcessNoise_FailsWhereTheQueryFails()
    {
        var column = With("v", FieldType.Double, new PerturbationParameters(NoiseDistribution.Laplace, 1e307, null));
        var p = new SqlParameters();
        var (expression, _) = ValueRewrite.For(column, p, _ => "u0");
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        var query = await Assert.ThrowsAsync<PostgresException>(() => p.ScalarAsync<double>(conn, $"SELECT {expression} FROM (VALUES (1.7e308::float8, 1e-10::float8)) AS s (v, u0)", CancellationToken.None));
        Assert.Contains("out of range", query.MessageText);

        var noise = ProcessNoise.For(column, _ => 0)!;
        var value = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(value, 1.7e308);
        var failure = Assert.Throws<PipelineFailure>(() => noise.Write(new BinaryCopyRows(), value, false, [[1e-10]], 0));
        Assert.Contains("Column v", failure.Message);
    }
}
