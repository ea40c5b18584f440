namespace EtlStudio.Web.Auth;

/// <summary>How people sign in (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary><c>Development</c>: pick a seeded user, no password. <c>Oidc</c>: single sign-on at an OpenID provider.</summary>
    public AuthMode Mode { get; set; } = AuthMode.Oidc;
}

public enum AuthMode
{
    Development,
    Oidc,
}
