namespace EtlStudio.Jobs.Monitor;

/// <summary>A scheduler node of the cluster; not alive once it has missed its check-in by the misfire threshold.</summary>
public sealed record ClusterNodeView(string InstanceId, DateTimeOffset LastCheckinAt, TimeSpan CheckinInterval, bool Alive);
