using EtlStudio.Web.Auth;
using EtlStudio.Web.Auth.Oidc;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Hosting;

/// <summary>
/// Security headers on every response of the studio's HTTP port. The gRPC port gets none: its clients
/// are programs, and HTTP/2 trailers-only answers gain nothing from them.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Blazor Server runs under this policy: scripts only from this origin (no inline script, no eval),
    /// its circuit over a websocket to this origin ('self' covers ws/wss to the same host in CSP 3).
    /// Styles allow inline because the component libraries set style attributes on their elements.
    /// Forms may post here and, in Oidc mode, to the provider (sign-out ends at its end-session page).
    /// </summary>
    internal static string Policy(string? providerOrigin) =>
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; " +
        $"form-action 'self'{(providerOrigin is null ? "" : " " + providerOrigin)}";

    /// <summary>Sets the headers on every response of the pipeline it is added to: the studio's (see <c>UseEtlStudioWeb</c>).</summary>
    public static IApplicationBuilder UseEtlStudioSecurityHeaders(this IApplicationBuilder web, WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var authority = auth.Mode == AuthMode.Oidc ? app.Services.GetRequiredService<IOptions<OidcSignInOptions>>().Value.Authority : null;
        var policy = Policy(Uri.TryCreate(authority, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null);
        web.Use((http, next) =>
        {
            // Set when the response starts, so that error pages (whose handler clears headers) and Blazor's own
            // frame-ancestors-only policy end up with these values too.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
                // Every path, a mounted Hangfire dashboard too: it has used no inline script since 1.6.10 and no style attributes since 1.7.25.
                headers.ContentSecurityPolicy = policy;
                return Task.CompletedTask;
            });
            return next(http);
        });
        return web;
    }
}
