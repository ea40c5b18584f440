namespace EtlStudio.Core.Tasks;

/// <summary>Field rules of one column (UpdateFieldRules); an empty list removes them.</summary>
public sealed record FieldRuleBinding(string Table, string Column, IReadOnlyList<Guid> ScriptIds);
