using EtlStudio.Jobs.History;

namespace EtlStudio.Jobs.Monitor;

/// <summary>A recurring maintenance job with its schedule and how its last firing went.</summary>
public sealed record RecurringJobView(
    string Name,
    string? Description,
    TimeSpan? Interval,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? PreviousFireAt,
    bool Running,
    JobOutcome? LastOutcome,
    DateTimeOffset? LastFinishedAt,
    string? LastError);
