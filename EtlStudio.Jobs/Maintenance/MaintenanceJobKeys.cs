using EtlStudio.Jobs.Hosting;
using Quartz;

namespace EtlStudio.Jobs.Maintenance;

/// <summary>The recurring jobs; each has one trigger of the same name.</summary>
public static class MaintenanceJobKeys
{
    public static readonly JobKey OutboxRetention = new("outbox-retention", JobGroups.Maintenance);
    public static readonly JobKey AccessExpiry = new("access-expiry", JobGroups.Maintenance);
}
