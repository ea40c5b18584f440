namespace EtlStudio.Jobs.Hosting;

/// <summary>Section <c>Jobs</c>: how this node takes part in the Quartz cluster.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Every node of one installation must use the same name: it is what makes them one cluster.</summary>
    public string SchedulerName { get; set; } = "EtlStudio";

    /// <summary>Runs and uploads this node executes at once.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Short, so a killed node is noticed (and its runs recovered) within seconds.</summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long past a missed check-in the others wait before recovering a node's jobs.</summary>
    public TimeSpan CheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an idle node waits before looking for new triggers. A run enqueued on another node (a web node, say)
    /// is noticed only then, so this bounds how long a queued run waits for an idle worker.
    /// </summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the outbox retention job looks for expired outboxes.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);
}
