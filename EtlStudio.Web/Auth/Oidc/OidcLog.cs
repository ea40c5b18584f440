namespace EtlStudio.Web.Auth.Oidc;

/// <summary>Single sign-on log lines (event ids 2201–2219). They name the reason, never a token, code or secret.</summary>
internal static partial class OidcLog
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Single sign-on refused: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Single sign-on refused for deactivated user {UserId}")]
    public static partial void InactiveUser(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Information, Message = "User {UserId} signed in with single sign-on")]
    public static partial void SignedIn(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Error, Message = "The OpenID provider could not be reached ({Failure})")]
    public static partial void ProviderUnreachable(ILogger logger, string failure);
}
