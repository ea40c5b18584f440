using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>What a step did, as it tells the engine: rows in, out and rejected; the anonymize step adds its privacy report.</summary>
internal sealed record StepOutput(long RowsIn, long RowsOut, long RowsRejected, PrivacyReport? Report = null)
{
    /// <summary>One table's part in a step that only drops records: what came in, less what was rejected, went on.</summary>
    public static StepOutput Dropping(long rowsIn, long rejected) => new(rowsIn, rowsIn - rejected, rejected);

    /// <summary>The step's figures: its tables' parts added up.</summary>
    public static StepOutput Sum(IEnumerable<StepOutput> tables) =>
        tables.Aggregate(new StepOutput(0, 0, 0), (sum, t) => new StepOutput(sum.RowsIn + t.RowsIn, sum.RowsOut + t.RowsOut, sum.RowsRejected + t.RowsRejected));

    public StepResult ToResult(PipelineStep step, TimeSpan duration) => new(step, RowsIn, RowsOut, RowsRejected, duration, Report);
}
