using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Tasks;

/// <summary>A task with its configuration and, live, everything that still blocks its release.</summary>
public sealed record TaskView(Guid Id, string Name, string Description, EtlTaskStatus Status, TaskConfiguration Configuration,
    IReadOnlyList<ValidationProblem> Missing, DateTimeOffset UpdatedAt, DateTimeOffset? ReleasedAt);
