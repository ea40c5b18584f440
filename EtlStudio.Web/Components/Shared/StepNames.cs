using EtlStudio.Core.Pipeline;

namespace EtlStudio.Web.Components.Shared;

/// <summary>How the studio names the pipeline's steps: in full on a run's timeline, short on the preview's tabs.</summary>
public static class StepNames
{
    public static string Of(PipelineStep step) => step switch
    {
        PipelineStep.Extract => "Extract from the sources",
        PipelineStep.Merge => "Merge by primary key",
        PipelineStep.Transform => "Transformations",
        PipelineStep.Anonymize => "Anonymization",
        _ => Short(step),
    };

    public static string Short(PipelineStep step) => step switch
    {
        PipelineStep.Extract => "Extract",
        PipelineStep.FieldRules => "Field rules",
        PipelineStep.Merge => "Merge",
        PipelineStep.ForeignKeys => "Foreign keys",
        PipelineStep.Transform => "Transform",
        PipelineStep.Anonymize => "Anonymize",
        _ => "Outbox",
    };
}
