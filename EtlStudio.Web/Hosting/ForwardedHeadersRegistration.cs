using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Hosting;

/// <summary>Forwarded headers, honoured only when configured (<see cref="EtlForwardedHeadersOptions"/>).</summary>
public static class ForwardedHeadersRegistration
{
    public static WebApplicationBuilder AddEtlStudioForwardedHeaders(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EtlForwardedHeadersOptions>().BindConfiguration(EtlForwardedHeadersOptions.Section)
            .Validate(o => o.KnownProxies.All(p => IPAddress.TryParse(p, out _)),
                "ForwardedHeaders:KnownProxies must list IP addresses (environment ForwardedHeaders__KnownProxies__0, …).")
            .Validate(o => o.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)),
                "ForwardedHeaders:KnownNetworks must list networks in CIDR notation such as 10.0.0.0/8 (environment ForwardedHeaders__KnownNetworks__0, …).")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<EtlForwardedHeadersOptions>>((o, settings) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var p in settings.Value.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(p));
            foreach (var n in settings.Value.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(n));
        });
        return builder;
    }

    public static WebApplication UseEtlStudioForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<EtlForwardedHeadersOptions>>().Value.Enabled) app.UseForwardedHeaders();
        return app;
    }
}
