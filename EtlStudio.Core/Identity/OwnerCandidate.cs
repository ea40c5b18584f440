namespace EtlStudio.Core.Identity;

/// <summary>A user as a picker shows them.</summary>
public sealed record OwnerCandidate(Guid Id, string Login, string DisplayName)
{
    public string Label => $"{Login} — {DisplayName}";
}
