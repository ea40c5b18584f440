using EtlStudio.Core.Access;
using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Demo;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Notifications;
using EtlStudio.Core.Outbox;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Secrets;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core;

/// <summary>Registers the application layer: persistence, audit, secrets and the use-case services.</summary>
public static class EtlStudioCoreRegistration
{
    public static IServiceCollection AddEtlStudioCore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Default");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new OptionsValidationException("ConnectionStrings:Default", typeof(string),
                ["ConnectionStrings:Default is not set: give the PostgreSQL connection string (env ConnectionStrings__Default)."]);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddDbContextFactory<EtlStudioDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));

        services.AddSingleton(sp => CreateMigrator(sp, configuration, connectionString));
        // From the configuration given here: the keys must not depend on whether the host registered IConfiguration.
        services.AddSingleton(new AuditChainKey(configuration));
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<AuditVerifier>();

        services.AddDataProtection().SetApplicationName("EtlStudio");
        // The ring lives in the database, sealed under a key that does not (KeyRingProtection).
        services.AddSingleton(new KeyRingProtection(configuration));
        services.AddSingleton<KeyRingRewrap>();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>());
            o.XmlEncryptor = new KeyRingXmlEncryptor(sp.GetRequiredService<KeyRingProtection>());
        }));
        services.AddSingleton<SecretProtector>();

        services.AddMemoryCache();
        services.AddHttpClient("connections");
        services.AddOptions<IdentityOptions>().Bind(configuration.GetSection(IdentityOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidation>();
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.Section))
            .Validate(o => o.PendingRequestDays > 0, "Access:PendingRequestDays must be positive.").ValidateOnStart();

        // Use-case services are stateless singletons: each operation opens its own DbContext.
        services.AddSingleton<ChangeScope>();
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<NotificationFeed>();
        services.AddSingleton<NotificationService>();
        services.AddSingleton<INotificationInbox>(sp => sp.GetRequiredService<NotificationService>());
        services.AddSingleton<UserService>();
        services.AddSingleton<ConnectionService>();
        services.AddSingleton<AccessRequestService>();
        services.AddSingleton<AuditQueryService>();
        services.AddSingleton<Scripts.ScriptService>();
        services.AddSingleton<Tasks.TaskService>();
        services.AddSingleton<Tasks.TaskMetadataService>();
        services.AddEtlStudioRuns(configuration);
        services.AddOptions<Maintenance.MaintenanceOptions>().Bind(configuration.GetSection(Maintenance.MaintenanceOptions.Section))
            .Validate(o => o.ExpiryInterval > TimeSpan.Zero, "Maintenance:ExpiryInterval must be positive.").ValidateOnStart();
        services.AddSingleton<Maintenance.ExpiryMaintenance>();
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.Section));
        services.AddSingleton<DemoTaskSeeder>();
        services.AddSingleton<DemoPublisher>();
        services.AddSingleton<DemoSeeder>();
        services.AddEtlStudioOutbox(configuration); // outbox, upload and data modules (issue #8)
        return services;
    }

    /// <summary>
    /// Migrations run as the owner (ConnectionStrings:Owner, or ConnectionStrings:Default where that is the owner's, as in
    /// the migration Job) and grant to Database:RuntimeRole, which defaults to the role of ConnectionStrings:Default when
    /// the owner's connection string is given apart.
    /// </summary>
    private static DatabaseMigrator CreateMigrator(IServiceProvider sp, IConfiguration configuration, string connectionString)
    {
        var owner = configuration.GetConnectionString("Owner");
        var runtimeRole = configuration["Database:RuntimeRole"];
        if (string.IsNullOrWhiteSpace(runtimeRole) && !string.IsNullOrWhiteSpace(owner))
            runtimeRole = new NpgsqlConnectionStringBuilder(connectionString).Username;
        var dataSource = string.IsNullOrWhiteSpace(owner)
            ? sp.GetRequiredService<NpgsqlDataSource>()
            : new NpgsqlDataSourceBuilder(owner).Build();
        return new DatabaseMigrator(dataSource, sp.GetRequiredService<ILogger<DatabaseMigrator>>(),
            string.IsNullOrWhiteSpace(runtimeRole) ? null : runtimeRole, sp.GetServices<IDatabaseSchemaInstaller>());
    }
}
