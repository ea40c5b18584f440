using EtlStudio.Core.Maintenance;
using EtlStudio.Jobs.Hosting;
using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>
/// Declares the recurring jobs in the storage at start, on every node: AddOrUpdate is idempotent, so a changed interval
/// takes effect with the next node that starts, and the storage fires each occurrence once in the cluster.
/// </summary>
internal sealed class RecurringJobsRegistration(IRecurringJobManager recurring, IOptions<JobsOptions> jobs, IOptions<MaintenanceOptions> maintenance)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<UpkeepJobs>(UpkeepJobs.AccessExpiry, j => j.ExpireAccessAsync(CancellationToken.None), CronFor(maintenance.Value.ExpiryInterval));
        recurring.AddOrUpdate<UpkeepJobs>(UpkeepJobs.OutboxRetention, j => j.DeleteExpiredOutboxesAsync(CancellationToken.None), CronFor(jobs.Value.RetentionInterval));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An interval on cron's grid: whole minutes below an hour, whole hours below a day, else whole days; at least a minute.</summary>
    internal static string CronFor(TimeSpan every) => every switch
    {
        { TotalHours: < 1 } => Cron.MinuteInterval(Math.Max(1, (int)every.TotalMinutes)),
        { TotalDays: < 1 } => Cron.HourInterval((int)every.TotalHours),
        _ => Cron.DayInterval((int)every.TotalDays),
    };
}
