using EtlStudio.Core.Pipeline;

namespace EtlStudio.Tests.Pipeline;

/// <summary>The engine's memory settings are checked at start-up, so a typo stops the app with its name instead of failing every run.</summary>
public sealed class PipelineOptionsTests
{
    [Theory]
    [InlineData("256MB", true)]
    [InlineData("1GB", true)]
    [InlineData("65536kB", true)]
    [InlineData("64kB", true)]
    [InlineData("32kB", false)]
    [InlineData("65GB", false)]
    [InlineData("256 MB", false)]
    [InlineData("256mb", false)]
    [InlineData("-1MB", false)]
    [InlineData("256MB; DROP TABLE x", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Memory_sizes_are_whole_numbers_with_a_PostgreSQL_unit_within_bounds(string? value, bool valid) =>
        Assert.Equal(valid, PipelineOptions.IsMemorySize(value));
}
