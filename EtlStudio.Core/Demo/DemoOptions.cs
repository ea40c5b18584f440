namespace EtlStudio.Core.Demo;

/// <summary>Demo data for a first look (section <c>Demo</c>); <c>./run.sh</c> turns it on.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Seed { get; set; }

    /// <summary>Prefix of the demo source and destination databases created on the same server.</summary>
    public string DatabasePrefix { get; set; } = "etlstudio_demo";

    /// <summary>An S3 API server for the S3 demo data module (<c>./run.sh</c> starts s3rver and sets it); none: no S3 module.</summary>
    public string? S3Endpoint { get; set; }
}
