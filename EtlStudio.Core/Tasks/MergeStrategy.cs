namespace EtlStudio.Core.Tasks;

/// <summary>How records sharing a primary key are merged (feature 5, docs/architecture.md, step 3).</summary>
public enum MergeStrategy
{
    SourcePriority,
    RemoveConflicting,
    Regenerate,
}
