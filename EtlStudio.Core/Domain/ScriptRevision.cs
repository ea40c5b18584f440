namespace EtlStudio.Core.Domain;

/// <summary>One saved state of a script, for its change history.</summary>
public sealed class ScriptRevision
{
    public Guid Id { get; set; }
    public Guid ScriptId { get; set; }
    public int Revision { get; set; }
    public string Body { get; set; } = "";
    public string SettingsJson { get; set; } = "{}";
    public string FieldsJson { get; set; } = "[]";
    public Guid ChangedBy { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
}
