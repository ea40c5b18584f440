using EtlStudio.Core.Common;

namespace EtlStudio.Jobs.Dashboard;

/// <summary>Where no dashboard is served (worker-only nodes, tests of the job system alone), the system acts.</summary>
internal sealed class SystemJobActionActor : IJobActionActor
{
    public Actor Current() => Actor.System();
}
