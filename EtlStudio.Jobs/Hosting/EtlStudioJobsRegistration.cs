using EtlStudio.Core.Maintenance;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.History;
using EtlStudio.Jobs.Maintenance;
using EtlStudio.Jobs.Metrics;
using EtlStudio.Jobs.Monitor;
using EtlStudio.Jobs.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quartz;

namespace EtlStudio.Jobs.Hosting;

/// <summary>
/// Quartz on the clustered PostgreSQL store (tables from migration 0006), the run queue, the recurring jobs, the job
/// monitor and the metrics reader. Every node schedules into the store; only nodes whose <c>Workers:Mode</c> is not
/// <c>WebOnly</c> start the scheduler and so execute jobs.
/// </summary>
public static class EtlStudioJobsRegistration
{
    public const string WorkersModeKey = "Workers:Mode";

    public static IServiceCollection AddEtlStudioJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Default")
            ?? throw new OptionsValidationException("ConnectionStrings:Default", typeof(string), ["ConnectionStrings:Default is not set."]);
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var maintenance = configuration.GetSection(MaintenanceOptions.Section).Get<MaintenanceOptions>() ?? new MaintenanceOptions();
        Validate(jobs);

        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.Section));
        services.AddOutboxRetention(configuration);
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = jobs.SchedulerName;
                // AUTO: each node names itself (host name + time), as a cluster needs distinct ids.
                o.GenerateInstanceId = true;
                o.IdleWaitTime = jobs.IdleWaitTime;
            });
            q.UseDefaultThreadPool(jobs.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.ConfigureStore(o => o.TablePrefix = JobGroups.TablePrefix);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = jobs.CheckinInterval;
                    c.CheckinMisfireThreshold = jobs.CheckinMisfireThreshold;
                });
                store.UseSystemTextJsonSerializer();
            });
            q.AddJobListener<ExecutionHistoryListener>();

            q.AddJob<OutboxRetentionJob>(j => j.WithIdentity(MaintenanceJobKeys.OutboxRetention).StoreDurably()
                .WithDescription("Deletes outboxes not uploaded within Outbox:RetentionDays"));
            q.AddTrigger(t => t.ForJob(MaintenanceJobKeys.OutboxRetention)
                .WithIdentity(MaintenanceJobKeys.OutboxRetention.Name, JobGroups.Maintenance)
                .StartAt(FirstFire(jobs.RetentionInterval)).WithSimpleSchedule(s => s.WithInterval(jobs.RetentionInterval).RepeatForever()));
            q.AddJob<AccessExpiryJob>(j => j.WithIdentity(MaintenanceJobKeys.AccessExpiry).StoreDurably()
                .WithDescription("Removes expired roles and grants, expires stale access requests"));
            q.AddTrigger(t => t.ForJob(MaintenanceJobKeys.AccessExpiry)
                .WithIdentity(MaintenanceJobKeys.AccessExpiry.Name, JobGroups.Maintenance)
                .StartAt(FirstFire(maintenance.ExpiryInterval)).WithSimpleSchedule(s => s.WithInterval(maintenance.ExpiryInterval).RepeatForever()));
        });
        services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            // A web-only node keeps the scheduler built but in standby: it can add jobs to the store, never runs them.
            o.AutoStart = RunsJobs(configuration);
        });

        services.AddSingleton<IRunQueue, QuartzRunQueue>();
        services.AddSingleton<FinishedJobCleanup>();
        services.AddSingleton<JobMonitorService>();
        services.AddSingleton<JobMetricsReader>();
        return services;
    }

    /// <summary>Whether this node executes jobs: <c>All</c> and <c>WorkerOnly</c> do, <c>WebOnly</c> does not.</summary>
    public static bool RunsJobs(IConfiguration configuration) =>
        !string.Equals(configuration[WorkersModeKey], "WebOnly", StringComparison.OrdinalIgnoreCase);

    // Every node stores the declared triggers again at start (so a changed interval takes effect); starting one interval
    // out, not now, keeps a rolling restart of the cluster from firing each job once per node.
    private static DateTimeOffset FirstFire(TimeSpan interval) => DateTimeOffset.UtcNow + interval;

    private static void Validate(JobsOptions o)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(o.SchedulerName)) problems.Add("Jobs:SchedulerName must not be empty.");
        if (o.MaxConcurrency < 1) problems.Add("Jobs:MaxConcurrency must be at least 1.");
        if (o.CheckinInterval < TimeSpan.FromSeconds(1)) problems.Add("Jobs:CheckinInterval must be at least one second.");
        if (o.CheckinMisfireThreshold < TimeSpan.FromSeconds(1)) problems.Add("Jobs:CheckinMisfireThreshold must be at least one second.");
        if (o.IdleWaitTime < TimeSpan.FromSeconds(1)) problems.Add("Jobs:IdleWaitTime must be at least one second.");
        if (o.RetentionInterval <= TimeSpan.Zero) problems.Add("Jobs:RetentionInterval must be positive.");
        if (problems.Count > 0) throw new OptionsValidationException(JobsOptions.Section, typeof(JobsOptions), problems);
    }
}
