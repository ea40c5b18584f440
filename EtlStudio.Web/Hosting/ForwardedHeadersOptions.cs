namespace EtlStudio.Web.Hosting;

/// <summary>
/// Behind a TLS-terminating proxy (section <c>ForwardedHeaders</c>): when enabled, X-Forwarded-Proto/-For/-Host
/// from the listed proxies are believed, so the app knows the browser spoke HTTPS (Secure cookies, https
/// redirect URIs at the provider) and who the client is. Off by default: a header anyone can send is not trusted.
/// </summary>
public sealed class EtlForwardedHeadersOptions
{
    public const string Section = "ForwardedHeaders";

    public bool Enabled { get; set; }

    /// <summary>Proxy addresses whose headers are believed (loopback always is).</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation (for example <c>10.0.0.0/8</c>).</summary>
    public string[] KnownNetworks { get; set; } = [];
}
