namespace EtlStudio.Web.Auth.Oidc;

/// <summary>
/// The OpenID provider people sign in at (section <c>Auth:Oidc</c>, shared with gRPC's bearer
/// settings: one provider, one registration).
/// </summary>
public sealed class OidcSignInOptions
{
    public const string Section = "Auth:Oidc";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for at sign-in, besides <c>openid</c>.</summary>
    public string Scopes { get; set; } = "profile email";

    /// <summary>Tolerated clock difference when checking the id_token's lifetime.</summary>
    public int ClockSkewSeconds { get; set; } = 30;
}
