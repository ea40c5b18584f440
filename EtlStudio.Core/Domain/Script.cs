namespace EtlStudio.Core.Domain;

/// <summary>
/// A reusable piece of a task: an extraction query, a field rule, an anonymization rule, a
/// transformation or an upload. Released scripts are frozen; editing one creates a new draft.
/// </summary>
public sealed class Script
{
    public Guid Id { get; set; }
    public Guid? TaskId { get; set; }
    public required string Name { get; set; }
    public ScriptKind Kind { get; set; }
    /// <summary>SQL or request text for extractors, transformers and uploaders.</summary>
    public string Body { get; set; } = "";
    /// <summary>Kind-specific settings as JSON (field rule, anonymization rule, transformation type).</summary>
    public string SettingsJson { get; set; } = "{}";
    /// <summary>Fields the script applies to (seed <c>Field</c>: data module id and field name), JSON array.</summary>
    public string FieldsJson { get; set; } = "[]";
    public bool Released { get; set; }
    public DateTimeOffset? ReleasedAt { get; set; }
    public int Revision { get; set; } = 1;
    /// <summary>The released script this draft was made from.</summary>
    public Guid? DerivedFromId { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public uint RowVersion { get; set; }
}
