namespace EtlStudio.Web.Auth.Tokens;

/// <summary>Bearer tokens for machine clients (section <c>Auth:Tokens</c>).</summary>
public sealed class TokenOptions
{
    public const string Section = "Auth:Tokens";

    /// <summary>Lifetime of Development tokens from <c>POST /auth/dev-token</c>.</summary>
    public int DevTokenMinutes { get; set; } = 60;
}
