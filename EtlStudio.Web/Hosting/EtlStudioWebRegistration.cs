using EtlStudio.Core;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components;
using EtlStudio.Web.Grpc;
using EtlStudio.Web.Health;
using EtlStudio.Web.Metrics;
using MudBlazor;
using MudBlazor.Services;

namespace EtlStudio.Web.Hosting;

/// <summary>Registers and maps everything the web node serves: the studio, sign-in, the jobs dashboard, health, metrics.</summary>
public static class EtlStudioWebRegistration
{
    public static WebApplicationBuilder AddEtlStudioWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddEtlStudioCore(builder.Configuration);
        builder.AddEtlStudioKestrel();
        builder.AddEtlStudioForwardedHeaders();
        builder.AddEtlStudioAuth();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.PreventDuplicates = false;
        });
        builder.Services.AddScoped<Components.Shared.StudioDialogs>();
        builder.Services.AddScoped<CurrentActor>();
        builder.Services.AddScoped<Components.Shared.UiFeedback>();
        builder.Services.AddEtlStudioHealthChecks();
        builder.AddEtlStudioGrpc();
        // Hangfire: every node enqueues; only All and WorkerOnly nodes run a server (Workers:Mode, read in NodeRoleOptions).
        builder.Services.AddEtlStudioJobs(builder.Configuration);
        builder.Services.AddEtlStudioJobsDashboard();
        builder.Services.AddEtlStudioMetrics();
        return builder;
    }

    public static WebApplication UseEtlStudioWeb(this WebApplication app)
    {
        if (!NodeRoleOptions.ServesStudio(app.Configuration))
        {
            // A worker node answers only its probes; browsers and gRPC clients go to web nodes.
            app.MapEtlStudioHealth();
            app.MapEtlStudioMetrics();
            app.MapFallback(() => Results.NotFound("This is a worker node: it serves no pages and no gRPC.")).AllowAnonymous();
            return app;
        }
        // Two doors on one pipeline: what only browsers need stays off the gRPC port (KestrelEndpoints), whose
        // calls get their own counter and only the gRPC routes.
        var grpcPort = KestrelEndpoints.GrpcPort(app.Configuration);
        bool Web(HttpContext http) => http.Connection.LocalPort != grpcPort;
        bool Grpc(HttpContext http) => http.Connection.LocalPort == grpcPort;
        app.UseEtlStudioForwardedHeaders();
        app.UseWhen(Web, web => web.UseEtlStudioSecurityHeaders(app));
        app.UseWhen(Grpc, grpc => grpc.UseMiddleware<GrpcCallMetricsMiddleware>());
        app.UseRouting(); // here, not implicitly first: the gRPC call counter wraps endpoint matching too
        app.UseWhen(Grpc, grpc => grpc.UseMiddleware<GrpcRoutesOnly>());
        app.UseWhen(Web, web =>
        {
            if (!app.Environment.IsDevelopment()) web.UseExceptionHandler("/error", createScopeForErrors: true);
            web.UseStaticFiles();
        });
        // The studio's cookie is read on its port only: a gRPC method's policy authenticates its bearer scheme itself.
        app.UseWhen(Web, web => web.UseAuthentication());
        app.UseAuthorization();
        app.UseWhen(Web, web => web.UseAntiforgery());
        app.MapEtlStudioHealth();
        app.MapEtlStudioMetrics();
        app.MapEtlStudioGrpc();
        app.MapEtlStudioAuth();
        app.MapEtlStudioJobsDashboard();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
