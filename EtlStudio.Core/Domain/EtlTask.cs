namespace EtlStudio.Core.Domain;

/// <summary>An ETL task: what to extract, how to clean, merge, transform and anonymize it, and where to upload it.</summary>
public sealed class EtlTask
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public EtlTaskStatus Status { get; set; }
    /// <summary>The task's configuration document (tables, sources, rules, keys, steps), see <c>TaskConfiguration</c>.</summary>
    public string ConfigurationJson { get; set; } = "{}";
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ReleasedAt { get; set; }
    public uint RowVersion { get; set; }
}
