using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Hosting;
using Hangfire;
using Prometheus;

namespace EtlStudio.Web.Metrics;

/// <summary>
/// This node's Prometheus registry (prometheus-net). Runs and steps come from the database and jobs from the Hangfire
/// storage, both read just before each scrape, so every node reports the cluster's figures; gRPC calls and the garbage
/// collector's figures are this node's own, and Prometheus adds them up across instances.
/// </summary>
public sealed class EtlStudioMetrics
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public EtlStudioMetrics(RunMetricsQuery runs, JobStorage storage, GrpcCallMetrics grpc)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        var runsByState = f.CreateGauge("etlstudio_runs", "Pipeline runs by state.", "state");
        var steps = f.CreateCounter("etlstudio_run_steps_total", "Pipeline steps finished.", "step");
        var stepSeconds = f.CreateCounter("etlstudio_run_step_seconds_total", "Time spent in finished pipeline steps.", "step");
        var rowsIn = f.CreateCounter("etlstudio_run_step_rows_in_total", "Rows that entered finished pipeline steps.", "step");
        var rowsOut = f.CreateCounter("etlstudio_run_step_rows_out_total", "Rows finished pipeline steps passed on.", "step");
        var rejected = f.CreateCounter("etlstudio_run_step_rows_rejected_total", "Rows finished pipeline steps rejected.", "step");
        var queued = f.CreateGauge("etlstudio_job_queue_length", "Jobs waiting in each Hangfire queue.", "queue");
        var processing = f.CreateGauge("etlstudio_jobs_processing", "Jobs executing now on any server.");
        var scheduled = f.CreateGauge("etlstudio_jobs_scheduled", "Jobs waiting for their time, retries of busy runs included.");
        var failed = f.CreateGauge("etlstudio_jobs_failed", "Jobs in the failed list (failed runs among them).");
        var servers = f.CreateGauge("etlstudio_job_servers", "Hangfire servers alive on the storage.");
        var calls = f.CreateCounter("etlstudio_grpc_calls_total", "gRPC calls served by this node, by method and status.", "method", "code");
        var callSeconds = f.CreateCounter("etlstudio_grpc_call_duration_seconds_total", "Time this node spent serving gRPC calls, by method and status.", "method", "code");
        // The runtime's own figures (its System.Runtime meter names them dotnet.gc.*): what the node's work costs the collector.
        var collections = f.CreateCounter("dotnet_gc_collections_total", "Garbage collections since the process started, by generation.", "generation");
        var pauses = f.CreateCounter("dotnet_gc_pause_time_seconds_total", "Time the process was paused for garbage collection.");
        var allocated = f.CreateCounter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");

        Registry.AddBeforeCollectCallback(async ct =>
        {
            var s = await runs.ReadAsync(ct);
            foreach (var (state, count) in s.RunsByState) runsByState.WithLabels(state.ToString()).Set(count);
            foreach (var step in s.Steps)
            {
                // Totals from the database only grow (retention discards runs but keeps their steps' rows), so IncTo suits them.
                steps.WithLabels(step.Step).IncTo(step.Count);
                stepSeconds.WithLabels(step.Step).IncTo(step.Seconds);
                rowsIn.WithLabels(step.Step).IncTo(step.RowsIn);
                rowsOut.WithLabels(step.Step).IncTo(step.RowsOut);
                rejected.WithLabels(step.Step).IncTo(step.RowsRejected);
            }
            var monitoring = storage.GetMonitoringApi();
            foreach (var queue in JobQueues.All) queued.WithLabels(queue).Set(monitoring.EnqueuedCount(queue));
            processing.Set(monitoring.ProcessingCount());
            scheduled.Set(monitoring.ScheduledCount());
            failed.Set(monitoring.FailedCount());
            servers.Set(monitoring.Servers().Count);
            for (var generation = 0; generation <= GC.MaxGeneration; generation++)
                collections.WithLabels("gen" + generation).IncTo(GC.CollectionCount(generation));
            pauses.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            foreach (var c in grpc.Snapshot())
            {
                calls.WithLabels(c.Method, c.Code.ToString()).IncTo(c.Count);
                callSeconds.WithLabels(c.Method, c.Code.ToString()).IncTo(c.Seconds);
            }
        });
    }
}
