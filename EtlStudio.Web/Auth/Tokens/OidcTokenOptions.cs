namespace EtlStudio.Web.Auth.Tokens;

/// <summary>The OpenID provider whose access tokens gRPC accepts (section <c>Auth:Oidc</c>).</summary>
public sealed class OidcTokenOptions
{
    public const string Section = "Auth:Oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>The audience access tokens must carry for gRPC; defaults to <c>etlstudio</c>.</summary>
    public string Audience { get; set; } = "etlstudio";

    /// <summary>Scopes asked for at sign-in, besides <c>openid</c>.</summary>
    public string Scopes { get; set; } = "profile email";

    /// <summary>Tolerated clock difference when checking token lifetimes.</summary>
    public int ClockSkewSeconds { get; set; } = 30;
}
