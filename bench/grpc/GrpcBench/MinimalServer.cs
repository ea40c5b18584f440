using System.Net;
using EtlStudio.Protos.UserManager;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;

/// <summary>
/// The baseline: a minimal Grpc.AspNetCore server on the same protos, answering GetUser with a constant user (the one the
/// app returned) and Health/Check with SERVING. No authentication, no database, no logging, no interceptors.
/// </summary>
internal static class MinimalServer
{
    public static WebApplication Build(GetUserResponse user)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(user);
        var app = builder.Build();
        app.MapGrpcService<ConstantUserManager>();
        app.MapGrpcService<ConstantHealth>();
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
}
