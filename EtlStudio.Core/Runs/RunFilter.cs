using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Runs;

/// <summary>Filters of the run history; null means any.</summary>
public sealed record RunFilter(Guid? TaskId = null, RunState? State = null, DateTimeOffset? From = null, DateTimeOffset? To = null);
