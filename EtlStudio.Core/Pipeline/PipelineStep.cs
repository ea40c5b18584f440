namespace EtlStudio.Core.Pipeline;

/// <summary>The fixed steps of a run (docs/architecture.md), in order; each is checkpointed when it finishes.</summary>
public enum PipelineStep
{
    Extract = 1,
    FieldRules = 2,
    Merge = 3,
    ForeignKeys = 4,
    Transform = 5,
    Anonymize = 6,
    Outbox = 7,
}
