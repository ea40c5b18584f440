namespace EtlStudio.Web.Auth.Tokens;

/// <summary>What a validated bearer token resolved to, and the last moment the token is accepted.</summary>
internal sealed record ValidatedToken(Guid UserId, string Login, DateTimeOffset NotAfter);
