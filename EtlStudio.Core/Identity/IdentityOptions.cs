namespace EtlStudio.Core.Identity;

/// <summary>Identity settings (section <c>Auth</c>).</summary>
public sealed class IdentityOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// E-mail of the user who becomes administrator when their account is first provisioned; honoured
    /// only when the provider says the address is verified, so nobody becomes admin by typing it in.
    /// </summary>
    public string? FirstAdmin { get; set; }

    /// <summary>Issuer (the id_token's <c>iss</c>, exactly) of the account that becomes administrator; with <see cref="FirstAdminSubject"/>.</summary>
    public string? FirstAdminIssuer { get; set; }

    /// <summary>Subject (the id_token's <c>sub</c>) of the account that becomes administrator; with <see cref="FirstAdminIssuer"/>.</summary>
    public string? FirstAdminSubject { get; set; }
}
