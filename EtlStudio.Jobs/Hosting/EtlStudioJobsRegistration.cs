using EtlStudio.Core.Maintenance;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Dashboard;
using EtlStudio.Jobs.Maintenance;
using EtlStudio.Jobs.Runs;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EtlStudio.Jobs.Hosting;

/// <summary>
/// Hangfire on PostgreSQL storage in the application database (schema <c>hangfire</c>, installed by the migrations as
/// the owner role: <see cref="HangfireSchemaInstaller"/>), the
/// run queue and the recurring upkeep jobs. Every node enqueues; only nodes whose <c>Workers:Mode</c> is not
/// <c>WebOnly</c> run a server, with <c>Jobs:MaxConcurrency</c> workers on the runs, uploads and upkeep queues.
/// </summary>
public static class EtlStudioJobsRegistration
{
    public const string StorageSchema = "hangfire";

    public static IServiceCollection AddEtlStudioJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Default")
            ?? throw new OptionsValidationException("ConnectionStrings:Default", typeof(string), ["ConnectionStrings:Default is not set."]);
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        Validate(jobs);

        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.Section));
        services.AddOutboxRetention(configuration);
        services.TryAddSingleton<IJobActionActor, SystemJobActionActor>();
        services.AddSingleton<RunJobStateFilter>();
        services.AddSingleton<IDatabaseSchemaInstaller, HangfireSchemaInstaller>();

        // Storage, activator and filters are this host's own services rather than Hangfire's static globals, so two
        // nodes in one process (as the tests start them) each keep their own database and their own service provider.
        services.AddSingleton<JobStorage>(_ => CreateStorage(connectionString, jobs));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<IJobFilterProvider>(sp =>
        {
            var own = new JobFilterCollection();
            own.Add(sp.GetRequiredService<RunJobStateFilter>());
            return new JobFilterProviderCollection(GlobalJobFilters.Filters, new JobFilterAttributeFilterProvider(), own);
        });
        services.AddHangfire(_ => { });
        // In place of AddHangfire's own, which points Hangfire's process-wide logging at this host for good.
        services.AddSingleton<IGlobalConfiguration>(sp => GlobalConfiguration.Configuration
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        if (NodeRoleOptions.RunsJobs(configuration))
        {
            services.AddHangfireServer((_, o) =>
            {
                o.WorkerCount = jobs.MaxConcurrency;
                o.Queues = JobQueues.All;
                // Busy runs are retried through the scheduled set; look at it often so they wait seconds, not a quarter-minute.
                o.SchedulePollingInterval = TimeSpan.FromSeconds(2);
            });
        }
        services.AddHostedService<RecurringJobsRegistration>();

        services.AddSingleton<IRunQueue, HangfireRunQueue>();
        return services;
    }

    internal static PostgreSqlStorage CreateStorage(string connectionString, JobsOptions jobs)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = StorageSchema,
            // The nodes log in as the runtime role, which may not create tables: DatabaseMigrator installs the schema.
            PrepareSchemaIfNecessary = false,
            // A short invisibility timeout is safe only because it slides: the worker renews it while the job runs.
            InvisibilityTimeout = jobs.InvisibilityTimeout,
            UseSlidingInvisibilityTimeout = true,
            QueuePollInterval = jobs.QueuePollInterval,
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }

    private static void Validate(JobsOptions o)
    {
        var problems = new List<string>();
        if (o.MaxConcurrency < 1) problems.Add("Jobs:MaxConcurrency must be at least 1.");
        if (o.InvisibilityTimeout < TimeSpan.FromSeconds(5)) problems.Add("Jobs:InvisibilityTimeout must be at least five seconds.");
        if (o.QueuePollInterval < TimeSpan.FromMilliseconds(100)) problems.Add("Jobs:QueuePollInterval must be at least 100 ms.");
        if (o.RetentionInterval <= TimeSpan.Zero) problems.Add("Jobs:RetentionInterval must be positive.");
        if (problems.Count > 0) throw new OptionsValidationException(JobsOptions.Section, typeof(JobsOptions), problems);
    }
}
