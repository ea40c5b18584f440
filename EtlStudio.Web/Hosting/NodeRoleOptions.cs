namespace EtlStudio.Web.Hosting;

/// <summary>Section <c>Workers</c>.</summary>
public sealed class NodeRoleOptions
{
    public const string Section = "Workers";

    public NodeRole Mode { get; set; } = NodeRole.All;

    public static NodeRole Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<NodeRoleOptions>()?.Mode ?? NodeRole.All;
}
