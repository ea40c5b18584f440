using EtlStudio.Web.Auth.Tokens;
using EtlStudio.Web.Grpc.Services;
using EtlStudio.Web.Health;
using EtlStudio.Web.Hosting;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// gRPC on grpc-dotnet: the six services, the library's reflection (v1 and v1alpha) and health
/// (SERVING while the readiness checks pass), message limits, gzip, and the two interceptors — error
/// mapping outermost, then validation at the door. Every gRPC route answers only on the gRPC port.
/// </summary>
public static class GrpcRegistration
{
    /// <summary>The contracts of protos/ that a health check may name besides the server as a whole ("").</summary>
    private static readonly string[] Services =
    [
        Protos.UserManager.UserManager.Descriptor.FullName, Protos.ScriptManager.ScriptManager.Descriptor.FullName,
        Protos.TaskManager.EtlTaskManager.Descriptor.FullName, Protos.DataManager.DataManager.Descriptor.FullName,
        Protos.ExtDatamoduleManager.ExtDatamoduleManager.Descriptor.FullName, Protos.AuditLogger.AuditLogger.Descriptor.FullName,
    ];

    public static WebApplicationBuilder AddEtlStudioGrpc(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GrpcOptions>().Bind(builder.Configuration.GetSection(GrpcOptions.Section))
            .Validate(o => o.MaxReceiveMessageSize > 0 && o.MaxSendMessageSize > 0, "Grpc message size limits must be positive.").ValidateOnStart();
        // Stateless, so one instance each instead of one per call (the library activates unregistered interceptors per call).
        services.AddSingleton<GrpcErrorInterceptor>();
        services.AddSingleton<GrpcValidationInterceptor>();
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<GrpcErrorInterceptor>();
            o.Interceptors.Add<GrpcValidationInterceptor>();
        });
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<GrpcOptions>>((o, limits) =>
        {
            o.MaxReceiveMessageSize = limits.Value.MaxReceiveMessageSize;
            o.MaxSendMessageSize = limits.Value.MaxSendMessageSize;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o =>
        {
            o.Services.Clear();
            foreach (var name in Services.Prepend("")) o.Services.Map(name, c => c.Tags.Contains(HealthEndpoints.ReadyTag));
            // The library's cache, because probes poll: a readiness query per Check made it a tenth as fast as a minimal
            // server (docs/benchmarks.md). The publisher below refreshes it every second, so a status is at most that old.
            o.UseHealthChecksCache = true;
        });
        services.Configure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = TimeSpan.FromSeconds(1);
        });
        // Last, after every AddGrpc*: our provider replaces the library's default binder (see its summary).
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(UnparsableRequestMethodProvider<>));
        builder.AddEtlStudioGrpcBearer();
        return builder;
    }

    public static WebApplication MapEtlStudioGrpc(this WebApplication app)
    {
        var host = $"*:{KestrelEndpoints.GrpcPort(app.Configuration)}";
        // Health and reflection are anonymous on purpose, like the HTTP probes: they tell what is served, never data.
        app.MapGrpcHealthChecksService().RequireHost(host).AllowAnonymous();
        app.MapGrpcReflectionService().RequireHost(host).AllowAnonymous();
        // The services carry [Authorize] themselves; the policy here also covers the library's UNIMPLEMENTED routes for unknown methods.
        app.MapGrpcService<UserManagerGrpcService>().RequireHost(host).RequireAuthorization(GrpcBearerAuthentication.Policy);
        app.MapGrpcService<ScriptManagerGrpcService>().RequireHost(host).RequireAuthorization(GrpcBearerAuthentication.Policy);
        app.MapGrpcService<EtlTaskManagerGrpcService>().RequireHost(host).RequireAuthorization(GrpcBearerAuthentication.Policy);
        app.MapGrpcService<DataManagerGrpcService>().RequireHost(host).RequireAuthorization(GrpcBearerAuthentication.Policy);
        app.MapGrpcService<ExtDatamoduleManagerGrpcService>().RequireHost(host).RequireAuthorization(GrpcBearerAuthentication.Policy);
        app.MapGrpcService<AuditLoggerGrpcService>().RequireHost(host).RequireAuthorization(GrpcBearerAuthentication.Policy);
        return app;
    }
}
