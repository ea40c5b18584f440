namespace EtlStudio.Core.Identity;

/// <summary>
/// An identity-provider account as the provider describes it at sign-in. Issuer and subject are the
/// account's key; the rest is its profile, which may change between sign-ins (null: not told).
/// </summary>
public sealed record ExternalAccount(string Issuer, string Subject, string? PreferredUsername = null, string? Email = null, bool EmailVerified = false, string? Name = null);
