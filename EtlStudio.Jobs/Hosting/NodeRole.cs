namespace EtlStudio.Jobs.Hosting;

/// <summary>
/// What this node does (<c>Workers:Mode</c>). <c>All</c>: studio, gRPC and a Hangfire server.
/// <c>WorkerOnly</c>: no studio and no gRPC, only health probes, metrics and a Hangfire server — scale these out on the
/// same database. <c>WebOnly</c>: studio and gRPC; it enqueues jobs but executes none.
/// </summary>
public enum NodeRole
{
    All,
    WorkerOnly,
    WebOnly,
}
