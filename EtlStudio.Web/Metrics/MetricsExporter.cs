using EtlStudio.Jobs.Metrics;

namespace EtlStudio.Web.Metrics;

/// <summary>Turns the database figures and this node's gRPC counters into one Prometheus scrape.</summary>
public sealed class MetricsExporter(JobMetricsReader reader, GrpcCallMetrics grpc)
{
    public async Task<string> ExportAsync(CancellationToken ct)
    {
        var s = await reader.ReadAsync(ct);
        var w = new PrometheusTextWriter();

        w.Family("etlstudio_runs", "gauge", "Pipeline runs by state.");
        foreach (var (state, count) in s.RunsByState.OrderBy(x => x.Key, StringComparer.Ordinal)) w.Sample("etlstudio_runs", count, ("state", state));

        w.Family("etlstudio_run_step_duration_seconds", "summary", "Duration of finished pipeline steps.");
        foreach (var step in s.Steps)
        {
            w.Sample("etlstudio_run_step_duration_seconds_sum", step.DurationSeconds, ("step", step.Step));
            w.Sample("etlstudio_run_step_duration_seconds_count", step.Count, ("step", step.Step));
        }
        w.Family("etlstudio_run_step_rows_in_total", "counter", "Rows that entered finished pipeline steps.");
        foreach (var step in s.Steps) w.Sample("etlstudio_run_step_rows_in_total", step.RowsIn, ("step", step.Step));
        w.Family("etlstudio_run_step_rows_out_total", "counter", "Rows that finished pipeline steps passed on.");
        foreach (var step in s.Steps) w.Sample("etlstudio_run_step_rows_out_total", step.RowsOut, ("step", step.Step));
        w.Family("etlstudio_run_step_rows_rejected_total", "counter", "Rows finished pipeline steps rejected.");
        foreach (var step in s.Steps) w.Sample("etlstudio_run_step_rows_rejected_total", step.RowsRejected, ("step", step.Step));

        w.Family("etlstudio_job_queue_depth", "gauge", "Run and upload jobs waiting for a worker.");
        foreach (var (group, count) in s.QueuedByGroup.OrderBy(x => x.Key, StringComparer.Ordinal)) w.Sample("etlstudio_job_queue_depth", count, ("group", group));
        w.Family("etlstudio_jobs_running", "gauge", "Jobs executing now on any node.");
        foreach (var (group, count) in s.RunningByGroup.OrderBy(x => x.Key, StringComparer.Ordinal)) w.Sample("etlstudio_jobs_running", count, ("group", group));
        w.Family("etlstudio_job_executions_total", "counter", "Job firings by outcome, from the execution history.");
        foreach (var (group, outcome, count) in s.ExecutionsByOutcome) w.Sample("etlstudio_job_executions_total", count, ("group", group), ("outcome", outcome));
        w.Family("etlstudio_cluster_nodes", "gauge", "Scheduler nodes registered in the Quartz cluster.");
        w.Sample("etlstudio_cluster_nodes", s.ClusterNodes);

        // Per node: each node counts the calls it served; Prometheus adds them up across instances.
        var calls = grpc.Snapshot();
        w.Family("etlstudio_grpc_calls_total", "counter", "gRPC calls served by this node, by method and status.");
        foreach (var c in calls) w.Sample("etlstudio_grpc_calls_total", c.Count, ("method", c.Method), ("code", c.Code.ToString()));
        w.Family("etlstudio_grpc_call_duration_seconds_total", "counter", "Total time this node spent serving gRPC calls, by method and status.");
        foreach (var c in calls) w.Sample("etlstudio_grpc_call_duration_seconds_total", c.Seconds, ("method", c.Method), ("code", c.Code.ToString()));
        return w.ToString();
    }
}
