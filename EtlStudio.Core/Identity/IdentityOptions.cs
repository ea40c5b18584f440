namespace EtlStudio.Core.Identity;

/// <summary>Identity settings (section <c>Auth</c>).</summary>
public sealed class IdentityOptions
{
    public const string Section = "Auth";

    /// <summary>Login (or e-mail) of the user who becomes administrator on first sign-in.</summary>
    public string? FirstAdmin { get; set; }
}
