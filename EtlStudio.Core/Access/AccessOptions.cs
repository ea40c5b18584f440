namespace EtlStudio.Core.Access;

/// <summary>Settings for access requests (section <c>Access</c>).</summary>
public sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>Pending requests older than this expire.</summary>
    public int PendingRequestDays { get; set; } = 14;
}
