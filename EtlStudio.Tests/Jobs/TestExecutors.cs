using EtlStudio.Core.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Jobs;

public static class TestExecutors
{
    /// <summary>Registers <paramref name="executor"/> as both the pipeline and the upload executor of a node.</summary>
    public static IServiceCollection AddExecutors(this IServiceCollection services, RecordingExecutor executor)
    {
        services.AddSingleton<IPipelineRunExecutor>(executor);
        services.AddSingleton<IUploadExecutor>(executor);
        return services;
    }
}
