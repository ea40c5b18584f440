using EtlStudio.Core.Common;

namespace EtlStudio.Jobs.Dashboard;

/// <summary>
/// Who changed a job's state: the signed-in person when the change comes from the dashboard (the web layer knows the
/// cookie), else the system. Audit entries of run changes made through the dashboard name this actor.
/// </summary>
public interface IJobActionActor
{
    Actor Current();
}
