using EtlStudio.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EtlStudio.Core.Runs;

/// <summary>Registers the pipeline engine and the run use cases.</summary>
public static class RunsRegistration
{
    public static IServiceCollection AddEtlStudioRuns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Pipeline.Anonymization.AnonymizationOptions>().Bind(configuration.GetSection(Pipeline.Anonymization.AnonymizationOptions.Section))
            .Validate(o => o.IsValid(), "Pipeline:Anonymization's limits (HeldShuffleBytes, CountedGroups, StValuesHeld, RankedValuesHeld) are 0 or more.")
            .ValidateOnStart();
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section))
            .Validate(o => o.TransformTimeout > TimeSpan.Zero && o.SourceTimeout > TimeSpan.Zero, "Pipeline:TransformTimeout and Pipeline:SourceTimeout must be positive.")
            .Validate(o => o.PreviewSampleRows is > 0 and <= 10_000, "Pipeline:PreviewSampleRows is between 1 and 10000.")
            .Validate(o => PipelineOptions.IsMemorySize(o.WorkMemory) && PipelineOptions.IsMemorySize(o.TransformWorkMemory) && PipelineOptions.IsMemorySize(o.MaintenanceMemory),
                "Pipeline:WorkMemory, Pipeline:TransformWorkMemory and Pipeline:MaintenanceMemory are PostgreSQL memory sizes such as 256MB or 1GB.")
            .Validate(o => PipelineOptions.IsDiskSize(o.TransformDiskSpace), "Pipeline:TransformDiskSpace is a disk size such as 20GB (from 1MB to 1024TB).")
            .ValidateOnStart();
        services.AddEtlStudioPipeline();
        services.AddSingleton<PipelineRunExecutor>();
        services.AddSingleton<IPipelineRunExecutor>(sp => sp.GetRequiredService<PipelineRunExecutor>());
        services.AddSingleton<PipelineRunService>();
        services.AddSingleton<IRunHistory>(sp => sp.GetRequiredService<PipelineRunService>());
        services.AddSingleton<PipelinePreviewService>();
        services.AddSingleton<RunJobTransitions>();
        services.AddSingleton<RunMetricsQuery>();
        // Hangfire (EtlStudio.Jobs) replaces this where it is wired.
        services.TryAddSingleton<IRunQueue, InProcessRunQueue>();
        return services;
    }
}
