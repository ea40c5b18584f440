namespace EtlStudio.Core.Maintenance;

/// <summary>Section <c>Maintenance</c>: how often expired access is cleaned up.</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    public TimeSpan ExpiryInterval { get; set; } = TimeSpan.FromMinutes(5);
}
