using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Access;

/// <summary>Which requests to list: those awaiting my decision, my own, or (administrators) all.</summary>
public enum AccessRequestScope
{
    AwaitingMyDecision,
    DecidedByMe,
    Mine,
    All,
}

public sealed record AccessRequestFilter(AccessRequestScope Scope, AccessRequestStatus? Status = null, Guid? ConnectionId = null);
