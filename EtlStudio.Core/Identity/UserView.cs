using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Identity;

public sealed record RoleView(Guid AssignmentId, UserRole Role, DateTimeOffset AssignedAt, DateTimeOffset? ExpiresAt, bool IsActive);

public sealed record GrantView(Guid GrantId, Guid ConnectionId, string ConnectionName, AccessType Access, DateTimeOffset GrantedAt, DateTimeOffset? ExpiresAt, bool IsActive);

public sealed record UserView(Guid Id, string Login, string DisplayName, string? Email, bool IsActive, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt, IReadOnlyList<RoleView> Roles, IReadOnlyList<GrantView> Grants);

public sealed record UserSummary(Guid Id, string Login, string DisplayName, bool IsActive, IReadOnlyList<UserRole> ActiveRoles);

public sealed record RoleAssignmentView(Guid AssignmentId, Guid UserId, string Login, UserRole Role, Guid? AssignedBy, DateTimeOffset AssignedAt, DateTimeOffset? ExpiresAt);
