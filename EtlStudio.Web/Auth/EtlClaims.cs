using System.Security.Claims;

namespace EtlStudio.Web.Auth;

/// <summary>The claims EtlStudio puts in its cookie: the user's id and login, nothing else that could go stale.</summary>
public static class EtlClaims
{
    public const string UserId = ClaimTypes.NameIdentifier;
    public const string Login = ClaimTypes.Name;
    public const string DisplayName = "etl:display_name";

    public static Guid? GetUserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(UserId), out var id) ? id : null;

    public static ClaimsPrincipal Create(Guid userId, string login, string displayName, string scheme) =>
        new(new ClaimsIdentity([new Claim(UserId, userId.ToString()), new Claim(Login, login), new Claim(DisplayName, displayName)], scheme, Login, ClaimTypes.Role));
}
