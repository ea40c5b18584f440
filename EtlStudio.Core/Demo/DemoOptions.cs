namespace EtlStudio.Core.Demo;

/// <summary>Demo data for a first look (section <c>Demo</c>); <c>./run.sh</c> turns it on.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Seed { get; set; }

    /// <summary>Prefix of the demo source and destination databases created on the same server.</summary>
    public string DatabasePrefix { get; set; } = "etlstudio_demo";
}
