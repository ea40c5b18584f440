namespace EtlStudio.Web.Auth.Oidc;

/// <summary>The parts of a checked id_token that provisioning uses; only ever built from a token that passed every check.</summary>
internal sealed record ValidatedIdToken(string Subject, string? PreferredUsername, string? Name, string? Email);
