using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Runs;
using EtlStudio.Web.Components.Shared;

namespace EtlStudio.Web.Components.Pages.Runs;

/// <summary>A line of a run's timeline: every step, reached or not, with its counts formatted for reading.</summary>
internal sealed record StepRow(int Ordinal, string Name, string Label, string Status, string In, string Out, string Rejected, string Time)
{
    public static Func<PipelineStep, StepRow> For(RunView run) => step =>
    {
        var s = run.Steps.FirstOrDefault(x => x.Step == step.ToString());
        var label = StepNames.Of(step);
        if (s is null) return new StepRow((int)step, step.ToString(), label, "Waiting", "", "", "", "");
        var time = s.Duration is { } d ? (d.TotalSeconds < 1 ? $"{d.TotalMilliseconds:0} ms" : $"{d.TotalSeconds:0.0} s") : "";
        var done = s.Status != "Running";
        return new StepRow((int)step, step.ToString(), label, s.Status, done ? s.RowsIn.ToString("N0") : "", done ? s.RowsOut.ToString("N0") : "",
            done ? s.RowsRejected.ToString("N0") : "", time);
    };
}
