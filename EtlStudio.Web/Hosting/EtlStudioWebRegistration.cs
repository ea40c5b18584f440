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

/// <summary>Registers and maps everything the web node serves: the studio, sign-in, health.</summary>
public static class EtlStudioWebRegistration
{
    public static WebApplicationBuilder AddEtlStudioWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddEtlStudioCore(builder.Configuration);
        builder.AddEtlStudioKestrel();
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
        builder.Services.AddEtlStudioGrpc(builder.Configuration);
        // Quartz: every node schedules; only All and WorkerOnly nodes execute runs and the recurring upkeep jobs.
        builder.Services.AddEtlStudioJobs(builder.Configuration);
        builder.Services.AddEtlStudioMetrics();
        return builder;
    }

    public static WebApplication UseEtlStudioWeb(this WebApplication app)
    {
        if (NodeRoleOptions.Read(app.Configuration) == NodeRole.WorkerOnly)
        {
            // A worker node answers only its probes; browsers and gRPC clients go to web nodes.
            app.MapEtlStudioHealth();
            app.MapEtlStudioMetrics();
            app.MapFallback(() => Results.NotFound("This is a worker node: it serves no pages and no gRPC.")).AllowAnonymous();
            return app;
        }
        app.UseEtlStudioGrpc();
        app.UseRouting(); // here, not implicitly first: gRPC calls branch off before endpoint matching
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapEtlStudioHealth();
        app.MapEtlStudioMetrics();
        app.MapEtlStudioAuth();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
