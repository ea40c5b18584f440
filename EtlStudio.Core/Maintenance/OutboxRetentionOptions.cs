namespace EtlStudio.Core.Maintenance;

/// <summary>Section <c>Outbox</c>: how long a prepared outbox may wait for upload before it is deleted.</summary>
public sealed class OutboxRetentionOptions
{
    public const string Section = "Outbox";

    public int RetentionDays { get; set; } = 7;
}
