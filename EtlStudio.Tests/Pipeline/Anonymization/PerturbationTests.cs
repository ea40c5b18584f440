using EtlStudio.Core.Scripts;
using EtlStudio.Tests.Infrastructure;
using static EtlStudio.Tests.Pipeline.Anonymization.Columns;

namespace EtlStudio.Tests.Pipeline.Anonymization;

public sealed class PerturbationTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    // 400 values between 20 and 80: far enough from the bounds [0, 100] that clamping does not bias the mean.
    private const string Rows = "SELECT g, 20 + g * 37 % 61, (20 + g * 37 % 61) + 0.25 FROM generate_series(1, 400) g";

    [Theory]
    [InlineData(NoiseDistribution.Laplace, 1L)]
    [InlineData(NoiseDistribution.Laplace, 2L)]
    [InlineData(NoiseDistribution.Gaussian, 3L)]
    [InlineData(NoiseDistribution.Gaussian, 4L)]
    public async Task Noise_KeepsTheMeanWithinTolerance_AndValuesInsideTheRange(NoiseDistribution distribution, long seed)
    {
        const double scale = 3;
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("age", FieldType.Integer, new PerturbationParameters(distribution, scale, null), min: "0", max: "100"),
             With("score", FieldType.Double, new PerturbationParameters(distribution, scale, null), min: "0", max: "100")], Rows);
        var before = await t.QueryAsync($"SELECT avg(age)::float8, avg(score)::float8 FROM {t.Table()}");

        var result = await t.AnonymizeAsync(seed);

        var after = await t.QueryAsync($"SELECT avg(age)::float8, avg(score)::float8, min(age), max(age), min(score), max(score), count(*) FILTER (WHERE age <> 20 + _row * 37 % 61) FROM {t.Table()}");
        // The noise's standard deviation is at most scale·√2 (Laplace); 5 standard errors of the mean of 400 draws.
        var tolerance = 5 * scale * Math.Sqrt(2) / Math.Sqrt(400);
        Assert.InRange((double)after[0][0]!, (double)before[0][0]! - tolerance, (double)before[0][0]! + tolerance);
        Assert.InRange((double)after[0][1]!, (double)before[0][1]! - tolerance, (double)before[0][1]! + tolerance);
        Assert.InRange((long)after[0][2]!, 0, 100);
        Assert.InRange((long)after[0][3]!, 0, 100);
        Assert.InRange((double)after[0][4]!, 0, 100);
        Assert.InRange((double)after[0][5]!, 0, 100);
        Assert.True((long)after[0][6]! > 250, "noise of scale 3 changes most integers");
        Assert.Equal([FieldType.Integer, FieldType.Double], result.Tables[0].Columns.Select(c => c.Type));
    }

    [Fact]
    public async Task Noise_NearTheBounds_IsClampedIntoTheRange()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("age", FieldType.Integer, new PerturbationParameters(NoiseDistribution.Laplace, 50, null), min: "0", max: "10"),
             With("score", FieldType.Double, new PerturbationParameters(NoiseDistribution.Gaussian, 50, null), min: "-1.5")],
            "SELECT g, g % 11, g % 11 FROM generate_series(1, 300) g");

        await t.AnonymizeAsync(9);

        var r = (await t.QueryAsync($"SELECT min(age), max(age), min(score), max(score) FROM {t.Table()}"))[0];
        Assert.Equal((0L, 10L, -1.5), ((long)r[0]!, (long)r[1]!, (double)r[2]!));
        Assert.True((double)r[3]! > 10, "no upper bound, so large noise goes above the values");
    }

    [Fact]
    public async Task Dates_ShiftByWholeDaysWithinTheLimit_AndNullsStay()
    {
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("born", FieldType.Date, new PerturbationParameters(null, null, 5)), With("seen", FieldType.DateTime, new PerturbationParameters(null, null, 2))],
            "SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE date '2000-01-01' + g END, timestamptz '2024-03-01 10:30:00+00' + g * interval '1 hour' FROM generate_series(1, 300) g");

        await t.AnonymizeAsync(11);

        var r = (await t.QueryAsync($"""
            SELECT min(born - (date '2000-01-01' + _row::int)), max(born - (date '2000-01-01' + _row::int)), count(DISTINCT born - (date '2000-01-01' + _row::int)),
                   count(*) FILTER (WHERE born IS NULL),
                   min(seen - (timestamptz '2024-03-01 10:30:00+00' + _row * interval '1 hour')), max(seen - (timestamptz '2024-03-01 10:30:00+00' + _row * interval '1 hour')),
                   count(*) FILTER (WHERE extract(epoch FROM seen - (timestamptz '2024-03-01 10:30:00+00' + _row * interval '1 hour')) % 86400 <> 0)
            FROM {t.Table()}
            """))[0];
        Assert.Equal((-5, 5, 11L, 6L), ((int)r[0]!, (int)r[1]!, (long)r[2]!, (long)r[3]!));
        Assert.Equal((TimeSpan.FromDays(-2), TimeSpan.FromDays(2), 0L), ((TimeSpan)r[4]!, (TimeSpan)r[5]!, (long)r[6]!));
    }

    [Fact]
    public async Task Null_StaysNull_WhenTheValuesAreKeptWithinBounds()
    {
        // greatest and least pass over NULL to the bound: the perturbation must not turn a missing value into the minimum.
        var t = await StagedTable.CreateAsync(db.ConnectionString,
            [With("age", FieldType.Integer, new PerturbationParameters(NoiseDistribution.Laplace, 2, null), min: "0", max: "100"),
             With("score", FieldType.Double, new PerturbationParameters(NoiseDistribution.Gaussian, 2, null), min: "0"),
             With("born", FieldType.Date, new PerturbationParameters(null, null, 3), max: "2030-01-01")],
            "SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 50 END, CASE WHEN g % 4 = 0 THEN NULL ELSE 50.5 END, CASE WHEN g % 5 = 0 THEN NULL ELSE date '2020-01-01' END FROM generate_series(1, 60) g");

        await t.AnonymizeAsync(5);

        var r = (await t.QueryAsync($"SELECT count(*) FILTER (WHERE age IS NULL), count(*) FILTER (WHERE score IS NULL), count(*) FILTER (WHERE born IS NULL) FROM {t.Table()}"))[0];
        Assert.Equal((20L, 15L, 12L), ((long)r[0]!, (long)r[1]!, (long)r[2]!));
    }
}
