using System.Text;

namespace EtlStudio.Core.Identity;

/// <summary>
/// The readable login for a provider account: its preferred username, else its e-mail, else its name. Never the
/// subject, which at many providers (Entra ID, Google) is an opaque id nobody recognizes.
/// </summary>
internal static class ExternalLogin
{
    private const int MaxLength = 100;

    /// <summary>The login, or null when the provider sent nothing readable (the caller decides the fallback).</summary>
    public static string? From(ExternalAccount account) => Clean(account.PreferredUsername) ?? Clean(account.Email) ?? Clean(account.Name);

    /// <summary>Keeps the characters logins allow elsewhere (letters, digits, '.', '_', '-', '@'); others become '_'.</summary>
    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        var b = new StringBuilder(Math.Min(text.Length, MaxLength));
        foreach (var c in text.Take(MaxLength)) b.Append(char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '@' ? c : '_');
        var login = b.ToString();
        return login.Length >= 2 && login.Any(char.IsLetterOrDigit) ? login : null;
    }
}
