using System.Globalization;
using System.Text.RegularExpressions;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// A strict reader of the Prometheus text format (0.0.4): every line is a HELP, a TYPE or a sample; every sample
/// belongs to a family whose TYPE came first; label values are quoted and escaped; no series appears twice.
/// </summary>
public static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static IReadOnlyList<Sample> Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var types = new Dictionary<string, string>();
        var samples = new List<Sample>();
        var seen = new HashSet<string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.Matches(HelpLine(), line);
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var m = TypeLine().Match(line);
                Assert.True(m.Success, $"Bad TYPE line: {line}");
                Assert.True(types.TryAdd(m.Groups[1].Value, m.Groups[2].Value), $"Family declared twice: {line}");
                continue;
            }
            var s = SampleLine().Match(line);
            Assert.True(s.Success, $"Not a sample line: {line}");
            var name = s.Groups["name"].Value;
            var family = types.Keys.FirstOrDefault(f => name == f || (types[f] is "summary" or "histogram" && (name == f + "_sum" || name == f + "_count" || name == f + "_bucket")));
            Assert.True(family is not null, $"Sample {name} has no TYPE before it");
            var labels = new Dictionary<string, string>();
            foreach (Match l in Label().Matches(s.Groups["labels"].Value))
                labels.Add(l.Groups[1].Value, Regex.Unescape(l.Groups[2].Value));
            var value = s.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            Assert.True(seen.Add(name + "{" + string.Join(",", labels.OrderBy(x => x.Key).Select(x => $"{x.Key}={x.Value}")) + "}"), $"Series twice: {line}");
            samples.Add(new Sample(name, labels, value));
        }
        return samples;
    }

    public static double Value(this IReadOnlyList<Sample> samples, string name, params (string Name, string Value)[] labels) =>
        Assert.Single(samples, s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Value;

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"")(,[a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"")*)\})? (?<value>[-+]?(\d+(\.\d+)?([eE][-+]?\d+)?|Inf|NaN))$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
