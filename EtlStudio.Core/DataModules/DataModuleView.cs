using EtlStudio.Core.Domain;

namespace EtlStudio.Core.DataModules;

/// <summary>A destination data module: its current version, how many versions exist, and the caller's access to it.</summary>
public sealed record DataModuleView(Guid Id, string Name, ConnectionKind Kind, string Description, int CurrentVersion, int VersionCount,
    DateTimeOffset? LastUploadAt, string CollectionProtocolJson, IReadOnlyList<AccessType> MyAccess);
