using EtlStudio.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EtlStudio.Tests.Web;

/// <summary>
/// ASP.NET Core reuses a connection's HttpContext, request and response objects from one request to the next, unless an
/// IHttpContextAccessor is registered (then it cannot know who still holds them). The studio's web node must not
/// register one: every studio request and gRPC call would allocate those objects anew for the sake of one reader.
/// </summary>
public sealed class RequestObjectsTests
{
    [Fact]
    public void The_web_node_registers_no_IHttpContextAccessor()
    {
        var builder = WebApplication.CreateBuilder();
        // Registration only: nothing is built or started, so the database is never reached.
        builder.Configuration["ConnectionStrings:Default"] = "Host=localhost;Database=registration_only";
        builder.AddEtlStudioWeb();
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IHttpContextAccessor));
    }
}
