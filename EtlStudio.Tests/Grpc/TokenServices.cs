using EtlStudio.Tests.Infrastructure;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Auth.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// The Core over its own database plus the Development token issuer, on a clock the tests move by hand.
/// </summary>
public sealed class TokenServices : CoreServices
{
    public ManualTime Time { get; } = new(DateTimeOffset.UtcNow);

    protected override void Configure(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Time);
        services.Configure<AuthOptions>(o => o.Mode = AuthMode.Development);
        services.Configure<TokenOptions>(_ => { });
        services.AddSingleton<DevTokenKeyStore>();
        services.AddSingleton<DevTokenIssuer>();
    }
}
