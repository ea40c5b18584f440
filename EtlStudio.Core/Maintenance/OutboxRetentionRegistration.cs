using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Core.Maintenance;

/// <summary>Registers <see cref="OutboxRetention"/> with its options, validated at start.</summary>
public static class OutboxRetentionRegistration
{
    public static IServiceCollection AddOutboxRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutboxRetentionOptions>().Bind(configuration.GetSection(OutboxRetentionOptions.Section))
            .Validate(o => o.RetentionDays > 0, "Outbox:RetentionDays must be a positive number of days.").ValidateOnStart();
        services.AddSingleton<OutboxRetention>();
        return services;
    }
}
