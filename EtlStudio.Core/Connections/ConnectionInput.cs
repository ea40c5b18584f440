using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Connections;

/// <summary>
/// What a user enters for a connection. <see cref="Secret"/> is the connection string (PostgreSQL) or
/// base URL with optional header lines <c>Name: value</c> (HTTP); null on update keeps the stored one.
/// </summary>
public sealed record ConnectionInput(string Name, ConnectionKind Kind, string? Description, string? ContractJson, string? Secret, IReadOnlyList<Guid>? OwnerIds);
