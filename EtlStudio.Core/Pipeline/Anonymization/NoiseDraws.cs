namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The noise draws of records worked out in this process: one uniform number in (0, 1) per purpose (say
/// <c>income/laplace</c>), keyed by the record's <c>_row</c>, so a record draws the same whichever pass writes it.
/// </summary>
internal sealed class NoiseDraws(AnonymizationRequest r, IEnumerable<string> purposes) : IDisposable
{
    private readonly KeyedRandom[] _random = purposes.Select(x => RecordChoices.Random(r, Key(x))).ToArray();

    /// <summary>The key purpose of a noise purpose.</summary>
    public static string Key(string purpose) => "uniform/" + purpose;

    /// <summary>The draws of the first <paramref name="n"/> records of <paramref name="rows"/>: by purpose, then record.</summary>
    public double[][] For(long[] rows, int n) => _random.Select(k =>
    {
        var u = new double[n];
        k.Uniforms(rows.AsSpan(0, n), u);
        return u;
    }).ToArray();

    public void Dispose()
    {
        foreach (var k in _random) k.Dispose();
    }
}
