using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Jobs;

/// <summary>The app as a worker-only node: no studio, no gRPC, but probes and metrics on the HTTP port.</summary>
public sealed class WorkerOnlyApp : AppProcess
{
    protected override IDictionary<string, string> Environment => new Dictionary<string, string> { ["Workers__Mode"] = "WorkerOnly" };
}
