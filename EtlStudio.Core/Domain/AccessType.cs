namespace EtlStudio.Core.Domain;

/// <summary>Access to one external data module (seed <c>ExtDatamoduleAccessType</c>).</summary>
public enum AccessType
{
    Read,
    Write,
    Owner,
}
