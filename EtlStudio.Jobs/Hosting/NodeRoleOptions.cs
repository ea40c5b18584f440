using Microsoft.Extensions.Configuration;

namespace EtlStudio.Jobs.Hosting;

/// <summary>Section <c>Workers</c>; <see cref="Read"/> is the one place the node's role is read from configuration.</summary>
public sealed class NodeRoleOptions
{
    public const string Section = "Workers";

    public NodeRole Mode { get; set; } = NodeRole.All;

    public static NodeRole Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<NodeRoleOptions>()?.Mode ?? NodeRole.All;

    /// <summary>Whether this node runs a Hangfire server: <c>All</c> and <c>WorkerOnly</c> do, <c>WebOnly</c> does not.</summary>
    public static bool RunsJobs(IConfiguration configuration) => Read(configuration) != NodeRole.WebOnly;

    /// <summary>Whether this node serves the studio and gRPC.</summary>
    public static bool ServesStudio(IConfiguration configuration) => Read(configuration) != NodeRole.WorkerOnly;
}
