namespace EtlStudio.Web.Auth.Oidc;

/// <summary>Either the checked token or why it was refused; the reason is safe to log (it never quotes the token).</summary>
internal sealed record IdTokenValidationResult(ValidatedIdToken? Token, string? Refusal)
{
    public static IdTokenValidationResult Accepted(ValidatedIdToken token) => new(token, null);

    public static IdTokenValidationResult Refused(string reason) => new(null, reason);
}
