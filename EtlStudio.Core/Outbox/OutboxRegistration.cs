using EtlStudio.Core.DataModules;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Upload;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Core.Outbox;

/// <summary>Registers the outbox, the upload (service and executor) and the data-module services.</summary>
public static class OutboxRegistration
{
    public static IServiceCollection AddEtlStudioOutbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section))
            .Validate(o => o.MaxAttempts >= 1, "Upload:MaxAttempts must be at least 1.")
            .Validate(o => o.InitialBackoff >= TimeSpan.Zero && o.MaxBackoff >= o.InitialBackoff, "Upload:InitialBackoff must be positive and at most Upload:MaxBackoff.")
            .Validate(o => o.RequestTimeout > TimeSpan.Zero, "Upload:RequestTimeout must be positive.")
            // A part or row group of no rows would never finish a table.
            .Validate(o => o.S3RowsPerPart >= 1 && o.S3RowsPerRowGroup >= 1, "Upload:S3RowsPerPart and Upload:S3RowsPerRowGroup must be at least 1.")
            .ValidateOnStart();
        services.AddHttpClient(HttpUploader.ClientName);
        services.AddSingleton<OutboxService>();
        services.AddSingleton<Privacy.OutboxPrivacyService>();
        services.AddSingleton<UploadService>();
        services.AddSingleton<DataModuleService>();
        services.AddSingleton<PostgresUploader>();
        services.AddSingleton<HttpUploader>();
        services.AddSingleton<S3UploadLedger>();
        services.AddSingleton<S3Uploader>();
        services.AddSingleton<IUploadExecutor, UploadExecutor>();
        return services;
    }
}
