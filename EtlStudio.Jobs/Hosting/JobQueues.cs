namespace EtlStudio.Jobs.Hosting;

/// <summary>The Hangfire queues. Hangfire's names are lower-case letters, digits and underscores.</summary>
public static class JobQueues
{
    public const string Runs = "runs";
    public const string Uploads = "uploads";
    public const string Upkeep = "upkeep";

    /// <summary>Runs first: a server with a free worker takes a waiting run before an upload or upkeep.</summary>
    public static readonly string[] All = [Runs, Uploads, Upkeep];
}
