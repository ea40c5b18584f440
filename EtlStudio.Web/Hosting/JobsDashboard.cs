using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Jobs.Dashboard;
using EtlStudio.Web.Auth;
using Hangfire;
using Hangfire.Dashboard;

namespace EtlStudio.Web.Hosting;

/// <summary>
/// The Hangfire dashboard at <c>/jobs</c>, mounted as it comes, behind the studio's own sign-in: anonymous visitors are
/// sent to sign in (the endpoint needs an authenticated user), ADMIN and PROCESS_ETL_TASK see and act, anyone else gets
/// 403 from the dashboard. Its back link returns to the studio.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/jobs";

    public static IServiceCollection AddEtlStudioJobsDashboard(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<IJobActionActor, SignedInJobActionActor>();
        return services;
    }

    public static void MapEtlStudioJobsDashboard(this WebApplication app) =>
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            AppPath = "/",
            DashboardTitle = "EtlStudio jobs",
            DisplayStorageConnectionString = false,
            Authorization = [],
            AsyncAuthorization = [new StudioRolesAuthorization()],
        }, app.Services.GetRequiredService<JobStorage>()).RequireAuthorization();

    private sealed class StudioRolesAuthorization : IDashboardAsyncAuthorizationFilter
    {
        public async Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var http = context.GetHttpContext();
            if (http.User.GetUserId() is not { } userId) return false;
            var policy = http.RequestServices.GetRequiredService<AccessPolicy>();
            var permissions = await policy.GetAsync(userId, http.RequestAborted);
            return permissions.IsAdmin(policy.Now) || permissions.HasRole(UserRole.ProcessEtlTask, policy.Now);
        }
    }

    /// <summary>The person behind a dashboard request; the system when a job changes state anywhere else.</summary>
    private sealed class SignedInJobActionActor(IHttpContextAccessor accessor) : IJobActionActor
    {
        public Actor Current()
        {
            var http = accessor.HttpContext;
            if (http?.User.GetUserId() is not { } id) return Actor.System();
            return new Actor(id, http.User.Identity?.Name ?? "?", ActorSource.Ui, http.Connection.RemoteIpAddress?.ToString(), http.TraceIdentifier);
        }
    }
}
