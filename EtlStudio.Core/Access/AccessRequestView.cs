using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Access;

public sealed record AccessRequestView(Guid Id, Guid ConnectionId, string ConnectionName, Guid RequesterId, string RequesterLogin,
    string RequesterName, AccessType Access, string Reason, int? WishedDays, AccessRequestStatus Status, DateTimeOffset CreatedAt,
    string? DecidedByLogin, DateTimeOffset? DecidedAt, string? DecisionComment, DateTimeOffset? GrantExpiresAt, bool CanDecide);
