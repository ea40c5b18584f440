namespace EtlStudio.Core.Tasks;

/// <summary>Anonymization of one column and its role in the privacy model (UpdateAnonymizationRules).</summary>
public sealed record AnonymizationBinding(string Table, string Column, Guid? ScriptId, bool QuasiIdentifier, bool Sensitive);
