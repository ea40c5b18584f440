namespace EtlStudio.Core.Domain;

public sealed class User
{
    public Guid Id { get; set; }
    public required string Login { get; set; }
    public required string DisplayName { get; set; }
    public string? Email { get; set; }
    /// <summary>Issuer and subject of the identity provider account; null for development users.</summary>
    public string? ExternalIssuer { get; set; }
    public string? ExternalSubject { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
    public List<RoleAssignment> Roles { get; set; } = [];
}
