namespace EtlStudio.Web.Hosting;

/// <summary>
/// What this node does (<c>Workers:Mode</c>). <c>All</c>: studio, gRPC and background work.
/// <c>WorkerOnly</c>: no studio and no gRPC, only health probes and background work — scale these
/// out on the same database. <c>WebOnly</c>: studio and gRPC, no background work.
/// </summary>
public enum NodeRole
{
    All,
    WorkerOnly,
    WebOnly,
}
