using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Connections;

/// <summary>A connection as a user sees it: never the secret, only its masked hint, plus the caller's own access.</summary>
public sealed record ConnectionView(Guid Id, string Name, ConnectionKind Kind, string Description, string ContractJson, string SecretHint,
    int Version, string CollectionProtocolJson, IReadOnlyList<OwnerView> Owners, IReadOnlyList<AccessType> MyAccess,
    IReadOnlyList<AccessType> MyPendingRequests, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record OwnerView(Guid UserId, string Login, string DisplayName);
