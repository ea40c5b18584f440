namespace EtlStudio.Jobs.Hosting;

/// <summary>The Quartz job groups; the job monitor and the metrics read the store by these names.</summary>
public static class JobGroups
{
    public const string Runs = "runs";
    public const string Uploads = "uploads";
    public const string Maintenance = "maintenance";

    /// <summary>Table prefix of the Quartz store (migration 0006 creates the tables in schema <c>quartz</c>).</summary>
    public const string TablePrefix = "quartz.qrtz_";
}
