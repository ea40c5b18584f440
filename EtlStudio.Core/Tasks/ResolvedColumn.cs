using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>A typed column with at most one empty-value rule and one range rule, and its anonymization.</summary>
public sealed record ResolvedColumn(
    string Name,
    FieldType Type,
    ResolvedFieldRule? EmptyRule,
    ResolvedFieldRule? RangeRule,
    ResolvedAnonymization? Anonymization,
    bool QuasiIdentifier,
    bool Sensitive);
