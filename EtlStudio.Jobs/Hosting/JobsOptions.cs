namespace EtlStudio.Jobs.Hosting;

/// <summary>Section <c>Jobs</c>: this node's Hangfire server and the shared storage's timing.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Runs, uploads and upkeep jobs this node executes at once (its Hangfire worker count).</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// How long a fetched job may go without its worker's keep-alive before another server takes it. The storage slides
    /// it while the worker lives, so it bounds the takeover after a crash and never cuts a long healthy run short.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an idle server looks for enqueued jobs; bounds how long a queued run waits for an idle worker.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the outbox retention job looks for expired outboxes.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);
}
