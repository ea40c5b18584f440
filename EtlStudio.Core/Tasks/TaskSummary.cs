using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Tasks;

/// <summary>A task in a list: name, status and how many tables it has.</summary>
public sealed record TaskSummary(Guid Id, string Name, EtlTaskStatus Status, int Tables, DateTimeOffset UpdatedAt);
