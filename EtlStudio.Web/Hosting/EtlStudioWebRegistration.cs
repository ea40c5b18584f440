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
        // Two doors: the gRPC port leaves for a pipeline of its own before anything below runs (UseEtlStudioGrpcPort);
        // the rest is the studio's, on its port only (KestrelEndpoints).
        app.UseEtlStudioForwardedHeaders();
        app.UseEtlStudioGrpcPort();
        app.UseEtlStudioSecurityHeaders(app);
        app.UseRouting();
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStaticFiles();
        // Called here, not left to the host: the host would add them in front of both doors, cookies for gRPC calls too.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapEtlStudioHealth();
        app.MapEtlStudioMetrics();
        app.MapEtlStudioAuth();
        app.MapEtlStudioJobsDashboard();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
