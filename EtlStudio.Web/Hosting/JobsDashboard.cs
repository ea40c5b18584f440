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

    /// <summary>
    /// The dashboard request on this async flow, for <see cref="SignedInJobActionActor"/>. Held around the dashboard's
    /// requests only, rather than through an <c>IHttpContextAccessor</c>: registering one makes ASP.NET Core stop reusing
    /// its HttpContext objects, a cost every studio request and gRPC call would pay for the dashboard's sake. Emptied when
    /// the request ends, as the accessor does, so work that outlives it never sees a context reused for another request.
    /// </summary>
    private static readonly AsyncLocal<RequestHolder?> DashboardRequest = new();

    private sealed class RequestHolder(HttpContext http)
    {
        public HttpContext? Http { get; set; } = http;
    }

    public static IServiceCollection AddEtlStudioJobsDashboard(this IServiceCollection services) =>
        services.AddSingleton<IJobActionActor, SignedInJobActionActor>();

    public static void MapEtlStudioJobsDashboard(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), dashboard => dashboard.Use(async (http, next) =>
        {
            var holder = new RequestHolder(http);
            DashboardRequest.Value = holder;
            try
            {
                await next(http);
            }
            finally
            {
                holder.Http = null;
            }
        }));
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            AppPath = "/",
            DashboardTitle = "EtlStudio jobs",
            DisplayStorageConnectionString = false,
            Authorization = [],
            AsyncAuthorization = [new StudioRolesAuthorization()],
        }, app.Services.GetRequiredService<JobStorage>()).RequireAuthorization();
    }

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
    private sealed class SignedInJobActionActor : IJobActionActor
    {
        public Actor Current()
        {
            var http = DashboardRequest.Value?.Http;
            if (http?.User.GetUserId() is not { } id) return Actor.System();
            return new Actor(id, http.User.Identity?.Name ?? "?", ActorSource.Ui, http.Connection.RemoteIpAddress?.ToString(), http.TraceIdentifier);
        }
    }
}
