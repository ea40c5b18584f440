namespace EtlStudio.Web.Auth.Oidc;

/// <summary>What the callback must find again: kept in an encrypted, short-lived cookie during the round trip.</summary>
internal sealed record OidcSignInState(string State, string Nonce, string CodeVerifier, string ReturnUrl, DateTimeOffset CreatedAt);
