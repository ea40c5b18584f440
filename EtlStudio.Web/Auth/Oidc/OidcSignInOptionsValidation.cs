using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Auth.Oidc;

/// <summary>
/// In Oidc mode the app cannot sign anyone in without these settings: fail at start and name each
/// missing one (with its environment spelling), instead of failing at the first sign-in.
/// </summary>
internal sealed class OidcSignInOptionsValidation(IOptions<AuthOptions> auth) : IValidateOptions<OidcSignInOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcSignInOptions options)
    {
        if (auth.Value.Mode != AuthMode.Oidc) return ValidateOptionsResult.Success;
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static IReadOnlyList<string> Problems(OidcSignInOptions o)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Authority)) problems.Add(Missing("Authority"));
        // The handler's discovery refuses plain http; we allow it only on this machine. Say so now rather than at the first sign-in.
        else if (!Uri.TryCreate(o.Authority, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            problems.Add("Auth:Oidc:Authority must be an absolute https URL (plain http only for localhost or 127.0.0.1).");
        if (string.IsNullOrWhiteSpace(o.ClientId)) problems.Add(Missing("ClientId"));
        if (string.IsNullOrWhiteSpace(o.ClientSecret)) problems.Add(Missing("ClientSecret"));
        if (o.ClockSkewSeconds is < 0 or > 300) problems.Add("Auth:Oidc:ClockSkewSeconds must be between 0 and 300.");
        return problems;
    }

    private static string Missing(string key) =>
        $"Auth:Mode is Oidc but Auth:Oidc:{key} is not set (environment Auth__Oidc__{key}); set it, or use Auth__Mode=Development.";
}
