namespace EtlStudio.Core.Scripts;

/// <summary>A field a script applies to (seed <c>Field</c>).</summary>
public sealed record ScriptField(string ExtDatamoduleId, string FieldName);
