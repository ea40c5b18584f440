using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// A typed column with its field rules (at most one empty-value rule and one range rule), its
/// anonymization, and its role in the privacy model.
/// </summary>
public sealed record ColumnConfig(
    string Name,
    FieldType Type,
    IReadOnlyList<Guid> FieldRuleScriptIds,
    Guid? AnonymizationScriptId = null,
    bool QuasiIdentifier = false,
    bool Sensitive = false);
