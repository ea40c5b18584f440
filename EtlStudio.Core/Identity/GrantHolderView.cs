using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Identity;

public sealed record GrantHolderView(Guid GrantId, Guid UserId, string Login, AccessType Access, DateTimeOffset GrantedAt, DateTimeOffset? ExpiresAt);
