using EtlStudio.Web.Auth.Tokens;
using EtlStudio.Web.Grpc.Services;
using EtlStudio.Web.Health;
using EtlStudio.Web.Hosting;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// gRPC on grpc-dotnet: the six services, the library's reflection (v1 and v1alpha) and health
/// (SERVING while the readiness checks pass), message limits, gzip, and the two interceptors — error
/// mapping outermost, then validation at the door. The gRPC port has a pipeline of its own (<see cref="UseEtlStudioGrpcPort"/>).
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
        // On our six contracts only: the library's health and reflection services answer by themselves, with nothing to map or validate.
        services.AddGrpc()
            .AddServiceOptions<UserManagerGrpcService>(Intercepted)
            .AddServiceOptions<ScriptManagerGrpcService>(Intercepted)
            .AddServiceOptions<EtlTaskManagerGrpcService>(Intercepted)
            .AddServiceOptions<DataManagerGrpcService>(Intercepted)
            .AddServiceOptions<ExtDatamoduleManagerGrpcService>(Intercepted)
            .AddServiceOptions<AuditLoggerGrpcService>(Intercepted);
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

    private static void Intercepted<TService>(global::Grpc.AspNetCore.Server.GrpcServiceOptions<TService> o) where TService : class
    {
        o.Interceptors.Add<GrpcErrorInterceptor>();
        o.Interceptors.Add<GrpcValidationInterceptor>();
    }

    /// <summary>
    /// The gRPC port's own pipeline, taken before anything of the studio's runs: the call counter, a route table that
    /// holds only the gRPC services, authorization of the methods that need a caller, and "no such method" for every
    /// other path. The studio's
    /// middleware (security headers, cookies, antiforgery, static files) and its routes never see a gRPC call, and
    /// the gRPC routes do not exist on the studio's port.
    /// </summary>
    public static WebApplication UseEtlStudioGrpcPort(this WebApplication app)
    {
        var port = KestrelEndpoints.GrpcPort(app.Configuration);
        // A builder of its own rather than a MapWhen branch: a branch of the application shares its route table.
        var grpc = new ApplicationBuilder(app.Services);
        grpc.UseMiddleware<GrpcCallMetricsMiddleware>();
        grpc.UseRouting();
        // Health and reflection are anonymous: the authorization middleware, which evaluates the fallback policy before
        // it honours that, sees only the methods that need a caller.
        grpc.UseWhen(NeedsCaller, methods => methods.UseAuthorization());
        grpc.UseEndpoints(MapServices);
        grpc.Run(GrpcRoutesOnly.NoSuchMethodAsync);
        var pipeline = grpc.Build();
        app.Use(next => http => http.Connection.LocalPort == port ? pipeline(http) : next(http));
        return app;
    }

    private static bool NeedsCaller(HttpContext http) =>
        http.GetEndpoint() is { } method && method.Metadata.GetMetadata<IAllowAnonymous>() is null;

    private static void MapServices(IEndpointRouteBuilder grpc)
    {
        // Health and reflection are anonymous on purpose, like the HTTP probes: they tell what is served, never data.
        grpc.MapGrpcHealthChecksService().AllowAnonymous();
        grpc.MapGrpcReflectionService().AllowAnonymous();
        RequireCaller(grpc.MapGrpcService<UserManagerGrpcService>());
        RequireCaller(grpc.MapGrpcService<ScriptManagerGrpcService>());
        RequireCaller(grpc.MapGrpcService<EtlTaskManagerGrpcService>());
        RequireCaller(grpc.MapGrpcService<DataManagerGrpcService>());
        RequireCaller(grpc.MapGrpcService<ExtDatamoduleManagerGrpcService>());
        RequireCaller(grpc.MapGrpcService<AuditLoggerGrpcService>());
    }

    /// <summary>
    /// The caller policy on the routes of a service that carry none: the library's UNIMPLEMENTED routes for unknown
    /// methods. The methods have it from the service's own <c>[Authorize]</c>; naming it there again would make the
    /// authorization middleware authenticate the caller twice and merge the two principals on every call.
    /// </summary>
    private static void RequireCaller(IEndpointConventionBuilder service) => service.Add(route =>
    {
        if (!route.Metadata.OfType<IAuthorizeData>().Any()) route.Metadata.Add(new AuthorizeAttribute(GrpcBearerAuthentication.Policy));
    });
}
