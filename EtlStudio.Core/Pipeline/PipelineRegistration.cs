using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Pipeline.Extraction;
using EtlStudio.Core.Pipeline.Steps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Pipeline;

/// <summary>Registers the engine and its steps, one for each <see cref="PipelineStep"/>, in their order.</summary>
public static class PipelineRegistration
{
    public static IServiceCollection AddEtlStudioPipeline(this IServiceCollection services)
    {
        services.AddSingleton<TableAnonymizer>();
        services.AddSingleton<ExtractionSources>();
        services.AddSingleton<IPipelineStep, ExtractStep>();
        services.AddSingleton<IPipelineStep, FieldRuleStep>();
        services.AddSingleton<IPipelineStep, MergeStep>();
        services.AddSingleton<IPipelineStep, ForeignKeyStep>();
        services.AddSingleton<IPipelineStep, TransformStep>();
        services.AddSingleton<IPipelineStep, AnonymizeStep>();
        services.AddSingleton<IPipelineStep, OutboxStep>();
        // The engine's constructor takes the steps' contract, which is the pipeline's own business (internal).
        services.AddSingleton(sp => new PipelineEngine(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<PipelineOptions>>(),
            sp.GetServices<IPipelineStep>()));
        return services;
    }
}
