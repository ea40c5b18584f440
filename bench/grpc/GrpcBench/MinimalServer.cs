using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using EtlStudio.Protos.UserManager;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

/// <summary>
/// The baseline: a minimal Grpc.AspNetCore server on the same protos, answering GetUser with a constant user (the one the
/// app returned) and Health/Check with SERVING. No authentication, no database, no logging, no interceptors.
/// <paramref name="authorized"/> adds ASP.NET Core's authorization alone in front of GetUser, as the app has it — a
/// policy naming an authentication scheme, the authorization middleware — with a scheme that answers one constant
/// caller for any bearer token: what the framework's authorization costs a call, without any token or user to look up.
/// </summary>
internal static class MinimalServer
{
    private const string Policy = "caller";

    public static WebApplication Build(GetUserResponse user, bool authorized)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(user);
        if (authorized)
        {
            builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ConstantCaller>(ConstantCaller.Name, null);
            builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(ConstantCaller.Name).RequireAuthenticatedUser());
        }
        var app = builder.Build();
        if (authorized) app.UseAuthorization();
        var users = app.MapGrpcService<ConstantUserManager>();
        if (authorized) users.RequireAuthorization(Policy);
        app.MapGrpcService<ConstantHealth>();
        // For the benchmark's garbage-collector figures, as the app's /metrics gives them: bytes allocated, gen0 collections, seconds paused.
        app.MapGet("/gc", () => FormattableString.Invariant($"{GC.GetTotalAllocatedBytes()} {GC.CollectionCount(0)} {GC.GetTotalPauseDuration().TotalSeconds}"));
        return app;
    }

    private sealed class ConstantUserManager(GetUserResponse user) : UserManager.UserManagerBase
    {
        public override Task<GetUserResponse> GetUser(GetUserRequest request, ServerCallContext context) => Task.FromResult(user);
    }

    private sealed class ConstantHealth : Health.HealthBase
    {
        private static readonly HealthCheckResponse Serving = new() { Status = HealthCheckResponse.Types.ServingStatus.Serving };

        public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) => Task.FromResult(Serving);
    }

    /// <summary>Any bearer token is the same caller: no signature, no lookup.</summary>
    private sealed class ConstantCaller(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "Constant";

        private static readonly AuthenticationTicket Caller = new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "bench")], Name)), Name);

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
                ? AuthenticateResult.Success(Caller) : AuthenticateResult.NoResult());
    }
}
