using EtlStudio.Web.Auth.Tokens;
using EtlStudio.Web.Grpc.Services;
using EtlStudio.Web.Hosting;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// The gRPC endpoint: every request on the HTTP/2 port goes to <see cref="GrpcCallHandler"/> on a
/// branch of its own, away from cookies, antiforgery, static files and HTML error pages.
/// </summary>
public static class GrpcEndpointRegistration
{
    public static IServiceCollection AddEtlStudioGrpc(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GrpcOptions>().Bind(configuration.GetSection(GrpcOptions.Section))
            .Validate(o => o.MaxReceiveMessageSize > 0 && o.MaxSendMessageSize > 0, "Grpc message size limits must be positive.").ValidateOnStart();
        services.AddOptions<TokenOptions>().Bind(configuration.GetSection(TokenOptions.Section));
        services.AddSingleton<DevTokenKeyStore>();
        services.AddSingleton<DevTokenIssuer>();
        services.AddSingleton<BearerTokenValidator>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<GrpcAuthenticator>();
        services.AddSingleton<GrpcCallHandler>();
        services.AddSingleton<IGrpcService, HealthGrpcService>();
        foreach (var adapter in typeof(GrpcEndpointRegistration).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IGrpcService).IsAssignableFrom(t) && t != typeof(HealthGrpcService)))
            services.AddSingleton(typeof(IGrpcService), adapter);
        services.AddSingleton(sp =>
        {
            var registry = new GrpcServiceRegistry(sp.GetServices<IGrpcService>());
            foreach (var file in EtlStudioContracts.Files) foreach (var service in file.Services) registry.Declare(service);
            new ReflectionGrpcService(registry, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<GrpcOptions>>()).MapTo(registry);
            return registry;
        });
        return services;
    }

    /// <summary>Branches gRPC off before any browser middleware runs.</summary>
    public static void UseEtlStudioGrpc(this WebApplication app)
    {
        var port = KestrelEndpoints.GrpcPort(app.Configuration);
        // Resolve now: a contract mismatch in an adapter stops start-up, not the first call.
        var handler = app.Services.GetRequiredService<GrpcCallHandler>();
        app.Services.GetRequiredService<GrpcServiceRegistry>();
        app.MapWhen(http => http.Connection.LocalPort == port, grpc => grpc.Run(handler.HandleAsync));
    }
}
