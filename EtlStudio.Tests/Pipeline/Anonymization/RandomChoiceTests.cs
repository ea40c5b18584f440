using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>The pieces the anonymizer's in-process choices are made of: the keyed generator, the permutations, the row bitmap.</summary>
public sealed class RandomChoiceTests
{
    private static long[] Image(RandomPermutation permutation)
    {
        var positions = Enumerable.Range(0, (int)permutation.Count).Select(i => (long)i).ToArray();
        permutation.Map(positions);
        return positions;
    }

    [Theory]
    [InlineData(1L, false)]
    [InlineData(2L, false)]
    [InlineData(1000L, false)]
    [InlineData(1L, true)]
    [InlineData(2L, true)]
    [InlineData(5L, true)]
    [InlineData(70_001L, true)]
    public void APermutation_IsABijection_RepeatsWithItsKey_AndDiffersWithAnother(long n, bool enciphered)
    {
        using var key = KeyedRandom.For(7, "t/permutation");
        using var other = KeyedRandom.For(8, "t/permutation");
        var limit = enciphered ? 0 : RandomPermutation.InMemoryLimit;
        var permutation = RandomPermutation.Of(n, key, 3, limit);
        Assert.Equal(enciphered, permutation.Enciphered);

        var image = Image(permutation);
        Assert.Equal(Enumerable.Range(0, (int)n).Select(i => (long)i), image.Order());
        Assert.Equal(image, Image(RandomPermutation.Of(n, key, 3, limit)));
        if (n >= 1000)
        {
            Assert.NotEqual(image, Image(RandomPermutation.Of(n, other, 3, limit)));
            Assert.NotEqual(image, Image(RandomPermutation.Of(n, key, 4, limit)));
            Assert.True(image.Where((x, i) => x == i).Count() < n / 100, "a random permutation fixes about one position");
        }
    }

    [Fact]
    public void TheShuffle_MakesEveryOrderOfThreeAboutEquallyOften()
    {
        using var key = KeyedRandom.For(11, "t/permutation");
        var counts = Enumerable.Range(0, 6000).Select(t => string.Join(",", Image(RandomPermutation.Of(3, key, (ulong)t))))
            .GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, counts.Count);
        // 1,000 expected each; a deviation of 150 is about five standard deviations.
        Assert.All(counts.Values, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void TheCipher_SendsAPositionAnywhereAboutEquallyOften()
    {
        using var key = KeyedRandom.For(12, "t/permutation");
        var images = Enumerable.Range(0, 4000).Select(t =>
        {
            var p = new long[] { 0 };
            RandomPermutation.Of(1000, key, (ulong)t, 0).Map(p);
            return p[0];
        }).ToList();
        // Uniform over 0 … 999: mean 499.5, standard error about 4.6; each tenth about 400 times.
        Assert.InRange(images.Average(), 475, 525);
        Assert.All(images.GroupBy(x => x / 100).Select(g => g.Count()), c => Assert.InRange(c, 300, 500));
    }

    [Fact]
    public void Uniforms_LieInsideZeroAndOne_AverageAHalf_AndRepeatWithTheKey()
    {
        using var key = KeyedRandom.For(5, "t/uniform/income/noise");
        var rows = Enumerable.Range(1, 100_000).Select(i => (long)i).ToArray();
        var u = new double[rows.Length];
        key.Uniforms(rows, u);
        Assert.All(u, x => Assert.True(x is > 0 and < 1));
        Assert.InRange(u.Average(), 0.495, 0.505);
        var again = new double[rows.Length];
        KeyedRandom.For(5, "t/uniform/income/noise").Uniforms(rows, again);
        Assert.Equal(u, again);
        KeyedRandom.For(5, "t/uniform/income/other").Uniforms(rows, again);
        Assert.NotEqual(u, again);
    }

    [Fact]
    public void ARowSet_RanksAndSelectsItsMembersInRowOrder()
    {
        var random = new Random(3);
        var members = Enumerable.Range(0, 20_000).Select(_ => (long)random.Next(1, 300_000)).Distinct().ToList();
        var set = new RowSet();
        foreach (var m in members) Assert.True(set.Add(m));
        Assert.True(set.Add(members[0]));
        set.Seal();

        var sorted = members.Order().ToList();
        Assert.Equal(sorted.Count, set.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            Assert.Equal(i, set.Rank(sorted[i]));
            Assert.Equal(sorted[i], set.Select(i));
        }
        Assert.False(new RowSet().Add(-1));
    }
}
