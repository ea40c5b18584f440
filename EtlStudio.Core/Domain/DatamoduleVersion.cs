namespace EtlStudio.Core.Domain;

/// <summary>One published version of a data module, made by an upload; immutable once written.</summary>
public sealed class DatamoduleVersion
{
    public Guid Id { get; set; }
    public Guid ConnectionId { get; set; }
    public int Version { get; set; }
    public Guid RunId { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Logical table → physical table (or endpoint) and row count, JSON.</summary>
    public string TablesJson { get; set; } = "{}";
    public string? PrivacyReportJson { get; set; }
    public string MetadataJson { get; set; } = "{}";
}
